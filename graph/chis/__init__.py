"""CHIS candidate review: find "status drift" early and give the FIB the evidence.

A member of the public who keeps contacting the police with public protection
information may be drifting into the role of a covert human intelligence source without
anyone deciding so. Mosaic counts each source's contacts (`contacts`), computes the
indicators force policy names (`indicators`, thresholds and weights in `policy`), ranks
those who cross the threshold with the time since they first did (`queue`), and keeps the
FIB's decisions append-only (`reviews`). It only flags for human review; it never decides
a status.
"""
