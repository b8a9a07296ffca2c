"""The loader's problem texts as the pages show them, in Korean or English.

The loader (data/ingest.py, data/formats.py, data/readers.py) writes its problems and messages in English: that
is what `python -m data ingest` prints, what the ingest API answers and what rejects files and `load_rejects`
keep. The data page shows them in the viewer's language: each English text is matched against the patterns
below, in order, and the Korean text names the page's own controls where the English names a command-line
option (--map is the column mapping, --kind the kind of data, --skip-invalid the skip checkbox). Values inside a
text (row numbers, column names, the columns found) are kept as written. A text no pattern matches is shown as it
is; tests/test_ingest_text.py loads a set of bad files through the page's entry points and fails on any such text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from analytics.i18n import korean_particles, names, t

# How to get days into an ad report, per report name as data/formats.AD_REPORTS writes it.
_AD_REPORTS_KO = {
    "Naver search ads report": ("naver_searchad", "보고서 > 다차원 보고서에서 '일별'을 추가해"),
    "Google Ads report": ("google_ads", "보고서를 일별로 나눠(세그먼트 > 시간 > 일, Segment > Time > Day)"),
    "Meta Ads Manager export": ("meta_ads", "보고서를 일별로 나눠(Breakdown > By time > Day)"),
    "Coupang ads report": ("coupang_ads", "기간 구분을 '일별'로 해"),
}


def _kind(code: str) -> str:
    return names("kind", "ko").get(code, code)


def _format(code: str) -> str:
    return names("format", "ko").get(code, code)


def _rejected(m: re.Match) -> str:
    duplicates = (f" 그중 {m['dupes']}건은 앞 줄과 완전히 같은 줄입니다." if m["dupes"] else "")
    return (f"거부: {m['read']}행 중 {m['rows']}행에서 문제 {m['problems']}건이 나와 아무것도 적재하지 "
            f"않았습니다.{duplicates} 행을 고치거나, '{t('data.upload.skip_invalid', 'ko')}'을(를) 선택해 올바른 "
            "행만 적재하세요 (잘못된 행은 거부 파일에 따로 남습니다).")


def _no_day_column(m: re.Match) -> str:
    fmt, how = _AD_REPORTS_KO.get(m["name"], (None, None))
    name = _format(fmt) if fmt else m["name"]
    how = how or m["how"]
    return f"이 {name}에는 날짜 열이 없습니다: {how} 다시 내려받으세요. 파일의 열: {m['found']}."


def _ad_report_kind(m: re.Match) -> str:
    fmt = _AD_REPORTS_KO.get(m["name"], (None, None))[0]
    name = _format(fmt) if fmt else m["name"]
    return f"{name}은(는) 광고 통계입니다: 데이터 종류를 '{_kind('ad_stats')}'(으)로 골라 주세요."


_Rule = tuple[re.Pattern, Callable[[re.Match], str] | str]

# (English text as the loader writes it, Korean). A str is formatted with the match's named groups.
_RULES: list[_Rule] = [(re.compile(pattern, re.DOTALL), ko) for pattern, ko in (
    # ---- one row's problem (the "reason" column)
    (r"required value missing", "필수 값이 비어 있음"),
    (r"not a whole number", "정수가 아님"),
    (r"not a number", "숫자로 읽을 수 없음"),
    (r"number too large", "숫자가 너무 큼"),
    (r"not a date/time we understand", "날짜·시간으로 읽을 수 없음"),
    (r"negative quantity \(load returns as --kind returns\)",
     lambda m: f"수량이 음수임: 반품은 데이터 종류 '{_kind('returns')}'(으)로 올려 주세요"),
    (r"negative (?P<what>[a-z ]+)", "음수일 수 없는 값"),
    (r"unknown status \((?P<values>.+)\)", "알 수 없는 주문 상태 ({values} 중 하나여야 함)"),
    (r"unknown claim type \((?P<values>.+)\)", "알 수 없는 클레임 유형 ({values} 중 하나여야 함)"),
    (r"unknown line type \((?P<values>.+)\)", "알 수 없는 줄 유형 ({values} 중 하나여야 함)"),
    (r"hour must be 0-23", "시간은 0-23이어야 함"),
    (r"the row covers several days \(Reporting starts ≠ Reporting ends\): .+",
     "여러 날을 합친 행 (Reporting starts ≠ Reporting ends): 보고서를 일별로 나눠(Breakdown > By time > Day) "
     "다시 내보내세요"),
    (r"exact duplicate of row (?P<row>\d+)", "{row}행과 완전히 같은 줄"),
    (r"same (?P<names>.+) as row (?P<row>\d+)", "{row}행과 같은 {names}"),
    (r"order has an invalid line \(row (?P<row>\d+)\)", "같은 주문의 다른 줄({row}행)에 문제가 있어 주문 전체를 제외함"),
    (r"ragged line: (?P<fields>\d+) fields but the header has (?P<header>\d+)",
     "칸 수가 맞지 않음: {fields}칸인데 머리글은 {header}칸"),
    # ---- the whole load (the message above the problems, and the load log's message)
    (r"loaded (?P<loaded>\d+), skipped (?P<duplicate>\d+) already loaded, rejected (?P<rejected>\d+)",
     "{loaded}행 적재, 이미 있던 {duplicate}행 건너뜀, {rejected}행 거부"),
    (r"Rejected: (?P<problems>\d+) problem\(s\) in (?P<rows>\d+) of (?P<read>\d+) rows; nothing was loaded\."
     r"(?: (?P<dupes>\d+) of them are exact duplicate lines\.)? Fix the rows, or load the valid rows with "
     r"--skip-invalid \(invalid ones are set aside in a rejects file\)\.", _rejected),
    (r"No valid rows in (?P<source>.+): all (?P<read>\d+) rows have problems; nothing was loaded\.",
     "{source}에 올바른 행이 없습니다: {read}행 모두 문제가 있어 아무것도 적재하지 않았습니다."),
    (r"Rejected: the report mixes currencies \((?P<codes>.+)\); nothing was loaded\. .+",
     "거부: 보고서에 여러 통화({codes})가 섞여 있어 아무것도 적재하지 않았습니다. 광고 계정(통화) 하나씩 내려받아 "
     "올려 주세요."),
    (r"Rejected: the report's money is in (?P<code>[A-Z]{3}), but store (?P<store>.+) keeps its figures in "
     r"(?P<store_code>[A-Z]{3}); nothing was loaded\. .+",
     "거부: 보고서 금액의 통화({code})가 스토어 {store}의 통화({store_code})와 달라 아무것도 적재하지 않았습니다. "
     "보고서를 {store_code} 통화로 내려받거나 {code} 통화로 관리하는 스토어에 올려 주세요: 다른 통화의 광고비로는 "
     "매출 대비 ROAS, TACoS, 낭비 광고비가 틀립니다."),
    (r"Seller id must be 1-64 letters, digits, '_', '-', '\.' or '@'\.",
     "스토어 ID는 1-64자의 영문자, 숫자, '_', '-', '.', '@'만 쓸 수 있습니다."),
    # ---- the file's layout
    (r"Unrecognised (?P<kind>\w+) layout: required columns (?P<missing>.*) not found\. Columns found: "
     r"(?P<found>.*)\. Map them with --map .+",
     lambda m: (f"{_kind(m['kind'])} 파일의 형식을 알아보지 못했습니다. 없는 필수 열: {m['missing']}. "
                f"파일의 열: {m['found']}. '{t('data.mapper.header', 'ko')}'에서 파일의 열을 지정하거나 "
                "파일 형식을 골라 주세요.")),
    (r"A (?P<fmt>\w+) export holds orders: load it with --kind orders\.",
     lambda m: f"{_format(m['fmt'])} 파일은 주문입니다: 데이터 종류를 '{_kind('orders')}'(으)로 골라 주세요."),
    (r"A Smart Store 마케팅분석 download holds visits by day: load it with --kind traffic_stats\.",
     lambda m: (f"스마트스토어 마케팅분석 파일은 일별 유입입니다: 데이터 종류를 '{_kind('traffic_stats')}'(으)로 "
                "골라 주세요.")),
    (r"This Smart Store 마케팅분석 download has no 날짜 column: choose 일별 for the period and download it again\. "
     r"Columns found: (?P<found>.*)\.",
     "이 스마트스토어 마케팅분석 파일에는 날짜 열이 없습니다: 기간을 '일별'로 골라 다시 내려받으세요. 파일의 열: {found}."),
    (r"A (?P<name>.+) holds ad statistics: load it with --kind ad_stats\.", _ad_report_kind),
    (r"This (?P<name>.+) has no day column: (?P<how>.+) and download it again\. Columns found: (?P<found>.*)\.",
     _no_day_column),
    (r"Required columns missing: (?P<missing>.+)\. Columns found: (?P<found>.*)\. Use --map TARGET=SOURCE to map "
     r"them\.",
     lambda m: (f"필수 열이 없습니다: {m['missing']}. 파일의 열: {m['found']}. '{t('data.mapper.header', 'ko')}'에서 "
                "지정해 주세요.")),
    (r"Required columns not mapped: (?P<missing>.+)\. Columns found: (?P<found>.*)\.",
     "필수 열이 매핑되지 않았습니다: {missing}. 파일의 열: {found}."),
    (r"Mapped source column '(?P<source>.+)' \(for (?P<target>\w+)\) is not in the file\. Columns found: "
     r"(?P<found>.*)\.",
     "{target}에 지정한 열이 파일에 없습니다: '{source}'. 파일의 열: {found}."),
    (r"Unknown target column\(s\) for (?P<kind>\w+): (?P<bad>.+)\. Targets: (?P<targets>.+)\.",
     lambda m: f"{_kind(m['kind'])}에 없는 열: {m['bad']}. 쓸 수 있는 열: {m['targets']}."),
    (r"This does not look like a (?P<fmt>\w+) export: missing (?P<missing>.+) columns\. Columns found: "
     r"(?P<found>.*)\.",
     lambda m: (f"{_format(m['fmt'])} 파일이 아닌 것 같습니다: {m['missing']} 열이 없습니다. "
                f"파일의 열: {m['found']}.")),
    # ---- reading the file
    (r"The file has a header but no data rows\.", "머리글만 있고 데이터 행이 없습니다."),
    (r"The file is empty\.", "빈 파일입니다."),
    (r"This looks like a binary file, not CSV text\. .+",
     "CSV 텍스트가 아니라 바이너리 파일로 보입니다. CSV(UTF-8 또는 CP949/EUC-KR), Parquet, .xlsx 파일을 올려 주세요."),
    (r"The file is neither UTF-8 nor CP949/EUC-KR text\. .+",
     "UTF-8도 CP949/EUC-KR도 아닌 텍스트입니다. 'CSV UTF-8'로 저장해 다시 올려 주세요."),
    (r"The file starts like (?P<encoding>\S+) text but does not decode as it\. .+",
     "{encoding} 텍스트로 시작하지만 끝까지 읽히지 않습니다. 'CSV UTF-8'로 저장해 다시 올려 주세요."),
    (r"Cannot read the file as CSV: (?P<error>.+)", "CSV로 읽을 수 없습니다: {error}"),
    (r"Cannot read the file as Parquet: (?P<error>.+)", "Parquet으로 읽을 수 없습니다: {error}"),
    (r"Cannot read the file as Excel \.xlsx: (?P<error>.+)", "Excel .xlsx로 읽을 수 없습니다: {error}"),
    (r"The workbook has no sheet with a header row\.", "머리글 행이 있는 시트가 없습니다."),
    (r"Old Excel \.xls files are not supported: .+",
     "예전 Excel .xls 파일은 읽지 않습니다: .xlsx나 'CSV UTF-8'로 저장해 올려 주세요."),
    (r"This Excel file is password-protected .+",
     "비밀번호가 걸린 Excel 파일입니다 (스마트스토어 등 판매자센터는 주문 다운로드에 비밀번호를 겁니다). "
     "비밀번호를 입력하거나 비밀번호 없는 사본을 저장해 올려 주세요."),
    (r"The password does not open this Excel file\.", "이 비밀번호로는 Excel 파일이 열리지 않습니다."),
)]


def problem_text(text: str | None, lang: str) -> str | None:
    """`text` (a loader problem or message, English) in `lang`: Korean by the rules above, else as written."""
    if not text or lang != "ko":
        return text
    for pattern, ko in _RULES:
        match = pattern.fullmatch(text)
        if match:
            out = ko(match) if callable(ko) else ko.format(**match.groupdict())
            return korean_particles(out)
    return text


def is_translated(text: str) -> bool:
    """True when a rule covers `text` (tests use it to find loader texts the page would show in English)."""
    return any(pattern.fullmatch(text) for pattern, _ in _RULES)
