// Keeps the package manager happy: a C target needs one source file.
