"""The record contract both engines emit: matter and visit schema, labels, Parquet I/O."""
