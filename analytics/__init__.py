"""Seller Insights analytics: one module per question a seller asks."""
