"""stickgen.train"""
