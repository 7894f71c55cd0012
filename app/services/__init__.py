"""Use cases: one function each, one transaction each; the reads the adapters need.

workflow.py names the four kinds of workflow item; steps.py is the one path every step
takes; outbox.py writes and reads what people are told.
"""
