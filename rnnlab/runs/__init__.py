"""rnnlab.runs"""
