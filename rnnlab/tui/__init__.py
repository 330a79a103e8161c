"""rnnlab.tui"""
