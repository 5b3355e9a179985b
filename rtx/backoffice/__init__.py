"""What every app's admin pages build on: audited changes, and lists that stay fast at scale.

Here in the project package, below every app, so that any app's admin imports it without
importing another app.
"""
