"""stickgen.synthetic"""
