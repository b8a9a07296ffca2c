"""The ads page (placeholder until its issue lands): says what will come, in Korean and English."""

from pages import _ui

_ui.render_coming_soon("ads")
