"""rnnlab.cli"""
