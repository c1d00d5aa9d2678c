"""Policy reports (HTML/PDF/XLSX) from runs, sweeps and evaluation outputs."""
