"""Widgets of the lab: plots, the gradient-flow heatmap, the run header, dashboard panels."""
