"""Key points of each report: a function per report returns its « À retenir » sentences, computed from the data."""
