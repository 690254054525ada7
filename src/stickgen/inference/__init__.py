"""stickgen.inference"""
