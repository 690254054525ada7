"""stickgen.model"""
