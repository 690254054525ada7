"""stickgen.sources"""
