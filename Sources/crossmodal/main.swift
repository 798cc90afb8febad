import CrossmodalCLI
import Numerics

#if canImport(Glibc)
@preconcurrency import Glibc

// Before anything else: an OpenBLAS older than this CPU runs generic kernels unless told otherwise.
BLASKernel.restartWithFasterKernelsIfNeeded()

// Line-buffered standard output, so progress lines reach logs and pipes as they happen.
setvbuf(stdout, nil, _IOLBF, 0)

// A parent may start us with signals blocked (a test runner's thread does); Ctrl-C and SIGTERM must
// still stop a long run or the server.
var unblocked = sigset_t()
sigemptyset(&unblocked)
sigprocmask(SIG_SETMASK, &unblocked, nil)
#endif

CrossmodalCommand.main()
