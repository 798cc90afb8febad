// Intentionally empty: COpenBLAS only re-exports prototypes of OpenBLAS symbols.
