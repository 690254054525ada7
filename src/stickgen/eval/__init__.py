"""stickgen.eval"""
