"""Cost stage: device memory, communication and dispatch estimates for each EP level."""
