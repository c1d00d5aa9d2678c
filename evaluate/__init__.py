"""Evaluation of completed scenarios for the tracking-and-evaluation stage (跟踪评估).

Independent of :mod:`changjing.simulate`: an evaluator's data need no model.
"""
