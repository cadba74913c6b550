"""The simulator and backtesting (issue #7): the real recovery engine on a virtual clock.

`tinko simulate SCENARIO` builds a world from a scenario file (docs/simulator.md), runs Tinko's
engine and five baselines over it, and reports recovered revenue against an oracle bound.
"""
