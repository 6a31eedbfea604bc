"""Which of many nodes is slow: adaptive group testing with concurrent groups, inside one launch.

strategy.py holds the decisions (which groups to test next, what their times mean); a round runs
every group at once, on the real fabric (live.py: MPI sub-communicators or torch groups) or on a
model (simulate.py), with the same decision code. Method and cost: docs/diagnosis.md.
"""
