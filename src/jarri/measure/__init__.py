"""Energy meters, power-limit tokens and (later) power-limit control, behind small interfaces."""
