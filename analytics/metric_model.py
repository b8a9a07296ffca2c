"""The shape of one metric definition (formula, window, attribution), shared by every area's dictionary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str                 # money | count | ratio
    label: dict[str, str]     # language -> short label
    formula: dict[str, str]   # language -> how it is computed
    window: dict[str, str]    # language -> which rows fall into a period
    attribution: dict[str, str]  # language -> how rows are attributed to a period or source

    def help(self, lang: str) -> str:
        """The help text shown beside the number (Markdown)."""
        lang = lang if lang in self.label else "en"
        heads = {"ko": ("계산", "기간", "귀속"), "en": ("Formula", "Window", "Attribution")}[lang]
        return (f"**{self.label[lang]}**  \n{heads[0]}: {self.formula[lang]}  \n"
                f"{heads[1]}: {self.window[lang]}  \n{heads[2]}: {self.attribution[lang]}")
