import CrossmodalCLI

#if canImport(Glibc)
@preconcurrency import Glibc

// Line-buffered standard output, so progress lines reach logs and pipes as they happen.
setvbuf(stdout, nil, _IOLBF, 0)
#endif

CrossmodalCommand.main()
