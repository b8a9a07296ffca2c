"""Every UI string in Korean and English; `t(key, lang, **values)` returns one, formatted."""

from __future__ import annotations

import math
import re
from typing import Any

from analytics import ads_text, alerts_text, customers_text, digest_text, products_text, realtime_text, traffic_text

LANGUAGES = ("ko", "en")

STRINGS: dict[str, dict[str, str]] = {
    # app frame and navigation
    "app.title": {"ko": "Seller Insights", "en": "Seller Insights"},
    "app.error.warehouse": {"ko": "데이터 저장소를 열 수 없습니다: {error}",
                            "en": "Cannot open the warehouse: {error}"},
    "nav.overview": {"ko": "개요", "en": "Overview"},
    "nav.insights": {"ko": "인사이트", "en": "Insights"},
    "nav.operations": {"ko": "운영", "en": "Operations"},
    "page.home": {"ko": "홈", "en": "Home"},
    "page.realtime": {"ko": "실시간", "en": "Real-time"},
    "page.products": {"ko": "상품", "en": "Products"},
    "page.traffic": {"ko": "방문·키워드", "en": "Traffic & keywords"},
    "page.ads": {"ko": "광고", "en": "Ads"},
    "page.customers": {"ko": "고객", "en": "Customers"},
    "page.alerts": {"ko": "알림", "en": "Alerts"},
    "page.explore": {"ko": "탐색 (SQL)", "en": "Explore (SQL)"},
    "page.data": {"ko": "데이터", "en": "Data"},
    # sidebar
    "sidebar.language": {"ko": "언어", "en": "Language"},
    "sidebar.seller": {"ko": "스토어", "en": "Store"},
    "sidebar.date_range": {"ko": "기간", "en": "Date range"},
    "sidebar.date_range.help": {"ko": "판매자 시간대의 날짜입니다. 시작일과 종료일 모두 포함합니다.",
                                "en": "Dates in the store's time zone; both ends included."},
    "sidebar.seller_facts": {"ko": "시간대 {tz} · 통화 {currency}", "en": "Time zone {tz} · currency {currency}"},
    "sidebar.no_sellers": {"ko": "아직 스토어가 없습니다. 데이터 페이지에서 파일을 올리면 만들어집니다.",
                           "en": "No stores yet. Upload a file on the Data page to create one."},
    "lang.ko": {"ko": "한국어", "en": "한국어"},
    "lang.en": {"ko": "English", "en": "English"},
    # the SQL workspace (pages/explore.py)
    "explore.caption": {"ko": "읽기 전용 SQL · 볼 수 있는 스토어: {scope}", "en": "Read-only SQL · stores you can see: {scope}"},
    "explore.schema": {"ko": "테이블과 열", "en": "Tables and columns"},
    "explore.column": {"ko": "열", "en": "Column"},
    "explore.type": {"ko": "형식", "en": "Type"},
    "explore.description": {"ko": "설명", "en": "Description"},
    "explore.sample": {"ko": "예시 행", "en": "Sample rows"},
    "explore.template": {"ko": "자주 묻는 질문 템플릿", "en": "Templates for common questions"},
    "explore.use_template": {"ko": "템플릿 불러오기", "en": "Use this template"},
    "explore.saved": {"ko": "저장한 쿼리", "en": "Saved queries"},
    "explore.open_saved": {"ko": "열기", "en": "Open"},
    "explore.no_saved": {"ko": "저장한 쿼리가 아직 없습니다.", "en": "No saved queries yet."},
    "explore.sql": {"ko": "SQL (SELECT 한 문장, $from 같은 매개변수 사용 가능)",
                    "en": "SQL (one SELECT statement; parameters such as $from)"},
    "explore.highlighted": {"ko": "구문 강조 보기", "en": "Syntax-highlighted view"},
    "explore.display_cap": {"ko": "화면에 보일 행", "en": "Rows shown"},
    "explore.export_cap": {"ko": "내보낼 최대 행", "en": "Rows exported (max)"},
    "explore.timeout": {"ko": "시간 제한(초)", "en": "Time limit (s)"},
    "explore.run": {"ko": "실행", "en": "Run"},
    "explore.cancel": {"ko": "취소", "en": "Cancel"},
    "explore.running": {"ko": "실행 중… {seconds}초 (취소를 누르면 멈춥니다)", "en": "Running… {seconds} s (Cancel stops it)"},
    "explore.status.refused": {"ko": "실행하지 않았습니다:", "en": "Not run:"},
    "explore.status.timeout": {"ko": "시간 초과:", "en": "Timed out:"},
    "explore.status.cancelled": {"ko": "취소됨:", "en": "Cancelled:"},
    "explore.status.error": {"ko": "오류:", "en": "Error:"},
    "explore.rows": {"ko": "{rows}행 중 {shown}행 표시 · {seconds}초", "en": "{shown} of {rows} rows shown · {seconds} s"},
    "explore.truncated": {"ko": "(최대 {cap}행에서 잘림)", "en": "(cut at the {cap}-row limit)"},
    "explore.chart": {"ko": "차트", "en": "Chart"},
    "explore.stream_hint": {"ko": "결과가 내보내기 한도보다 큽니다. 아래 링크는 모든 행을 서버에서 바로 스트리밍합니다.",
                            "en": "The result is larger than the export limit: these links stream every row from "
                                  "the server."},
    "explore.stream": {"ko": "전체 {fmt} 내려받기", "en": "All rows as {fmt}"},
    "explore.colour": {"ko": "색 구분", "en": "Colour"},
    "explore.kind": {"ko": "종류", "en": "Type"},
    "explore.chart_failed": {"ko": "이 열로는 차트를 그릴 수 없습니다: {error}", "en": "Cannot chart these columns: {error}"},
    "explore.save": {"ko": "저장 / 알림 만들기", "en": "Save / make an alert"},
    "explore.save_name": {"ko": "이름", "en": "Name"},
    "explore.save_shared": {"ko": "팀과 공유 (각자 자기 권한으로 실행)", "en": "Share with the team (runs with each person's own access)"},
    "explore.save_alert": {"ko": "알림 지표로 만들기", "en": "Make this an alert"},
    "explore.save_alert_help": {"ko": "결과가 날짜 열과 숫자 열(예: day, value)이면 매일 아침 이상 징후를 점검합니다.",
                                "en": "When the result has a date column and a number column (e.g. day, value), the "
                                      "morning check watches it for anomalies."},
    "explore.save_button": {"ko": "저장", "en": "Save"},
    "explore.saved_ok": {"ko": "'{name}' 저장했습니다.", "en": "Saved '{name}'."},
    "explore.history": {"ko": "실행 기록", "en": "History"},
    "explore.no_history": {"ko": "아직 실행한 쿼리가 없습니다.", "en": "No queries run yet."},
    "login.title": {"ko": "로그인", "en": "Sign in"},
    "login.intro": {"ko": "내 스토어의 데이터를 보려면 로그인하세요.", "en": "Sign in to see your store's data."},
    "login.submit": {"ko": "로그인", "en": "Sign in"},
    "login.demo_accounts": {
        "ko": "데모 계정이 켜져 있습니다 (실제 데이터를 넣기 전에 바꾸세요): 판매자 petshop / petshop-demo, "
              "coffee / coffee-demo, outdoor / outdoor-demo · 분석가 analyst / analyst-demo · 관리자 admin / admin-demo",
        "en": "Demo accounts are active (change them before real data goes in): sellers petshop / petshop-demo, "
              "coffee / coffee-demo, outdoor / outdoor-demo · analyst analyst / analyst-demo · admin admin / "
              "admin-demo"},
    "login.signed_in_as": {"ko": "{name} ({role}) 로그인 중", "en": "Signed in: {name} ({role})"},
    "login.sign_out": {"ko": "로그아웃", "en": "Sign out"},
    "page.admin": {"ko": "관리", "en": "Admin"},
    "admin.only": {"ko": "관리자만 볼 수 있는 페이지입니다.", "en": "Only admins can see this page."},
    "admin.user": {"ko": "아이디", "en": "User name"},
    "admin.name": {"ko": "이름", "en": "Name"},
    "admin.role": {"ko": "역할", "en": "Role"},
    "admin.stores": {"ko": "볼 수 있는 스토어", "en": "Stores granted"},
    "admin.all": {"ko": "모든 스토어", "en": "all stores"},
    "admin.token": {"ko": "API 토큰", "en": "API token"},
    "admin.demo_warning": {"ko": "데모 계정 비밀번호가 그대로입니다. 실제 데이터를 넣기 전에 바꾸거나 지우세요.",
                           "en": "Demo accounts still have their published passwords: change or remove them "
                                 "before real data goes in."},
    "admin.edit": {"ko": "사용자 추가·변경", "en": "Add or change a user"},
    "admin.password": {"ko": "비밀번호 (8자 이상)", "en": "Password (8 characters or more)"},
    "admin.password_help": {"ko": "기존 사용자는 비워 두면 비밀번호가 그대로입니다.",
                            "en": "Leave empty to keep an existing user's password."},
    "admin.save": {"ko": "저장", "en": "Save"},
    "admin.saved": {"ko": "'{user}' 저장했습니다.", "en": "Saved '{user}'."},
    "admin.new_token": {"ko": "새 API 토큰 발급", "en": "Issue a new API token"},
    "admin.token_once": {"ko": "이 토큰은 지금 한 번만 보입니다. 이전 토큰은 더 이상 쓸 수 없습니다.",
                         "en": "This token is shown once; the previous one no longer works."},
    "admin.remove": {"ko": "사용자 삭제", "en": "Remove user"},
    "admin.removed": {"ko": "'{user}' 삭제했습니다.", "en": "Removed '{user}'."},
    "admin.settings": {"ko": "설정 (비밀 값은 가림)", "en": "Settings (secrets masked)"},
    "role.seller": {"ko": "판매자", "en": "seller"},
    "role.analyst": {"ko": "분석가", "en": "analyst"},
    "role.admin": {"ko": "관리자", "en": "admin"},
    "common.needs_seller": {"ko": "왼쪽에서 스토어를 먼저 고르세요.", "en": "Choose a store in the sidebar first."},
    # home page
    "home.as_of": {"ko": "{name} · {tz} · 기준 시각 {now}", "en": "{name} · {tz} · as of {now}"},
    "home.no_orders_in_range": {"ko": "선택한 기간에 주문이 없습니다. 기간을 바꾸거나 데이터 페이지에서 파일을 올리세요.",
                                "en": "No orders in the selected range. Pick other dates or upload a file on the Data page."},
    "period.today": {"ko": "오늘", "en": "Today"},
    "period.last_7_days": {"ko": "최근 7일", "en": "Last 7 days"},
    "period.last_30_days": {"ko": "최근 30일", "en": "Last 30 days"},
    "delta.today": {"ko": "어제 같은 시각 대비", "en": "vs yesterday, same time"},
    "delta.last_7_days": {"ko": "이전 7일 대비", "en": "vs previous 7 days"},
    "delta.last_30_days": {"ko": "이전 30일 대비", "en": "vs previous 30 days"},
    "home.chart.header": {"ko": "선택한 기간의 일별 매출", "en": "Daily revenue in the selected range"},
    "home.chart.total": {"ko": "{start} ~ {end} 합계: 매출 {revenue} · 주문 {orders}건",
                         "en": "{start} to {end}: revenue {revenue} · {orders} orders"},
    "chart.revenue_by_day": {"ko": "일별 매출", "en": "Daily revenue"},
    "chart.revenue": {"ko": "매출", "en": "Revenue"},
    "chart.orders": {"ko": "주문 수", "en": "Orders"},
    "chart.date": {"ko": "날짜", "en": "Date"},
    # data page: upload
    "data.upload.header": {"ko": "파일 올리기", "en": "Upload a file"},
    "data.upload.file": {"ko": "파일 (CSV, Excel, Parquet)", "en": "File (CSV, Excel, Parquet)"},
    "data.upload.kind": {"ko": "데이터 종류", "en": "Kind of data"},
    "data.upload.format": {"ko": "파일 형식", "en": "File format"},
    "data.upload.new_seller": {"ko": "새 스토어 ID", "en": "New store id"},
    "data.upload.password": {"ko": "엑셀 파일 비밀번호", "en": "Excel file password"},
    "data.upload.password.help": {
        "ko": "이 엑셀 파일은 비밀번호로 보호되어 있습니다 (스마트스토어 주문 다운로드 등). "
              "다운로드할 때 정한 비밀번호를 입력하세요. 비밀번호는 저장하지 않습니다.",
        "en": "This Excel file is password-protected (e.g. a Smart Store order download). "
              "Enter the password you set when downloading it; it is not stored."},
    "data.upload.password.needed": {
        "ko": "비밀번호로 보호된 엑셀 파일입니다. 위에 비밀번호를 입력하면 미리보기가 나옵니다.",
        "en": "This Excel file is password-protected. Enter its password above to preview it."},
    "data.upload.password.wrong": {
        "ko": "이 비밀번호로는 파일을 열 수 없습니다. 다운로드할 때 정한 비밀번호를 확인하세요.",
        "en": "The password does not open this file. Check the password you set when downloading it."},
    "data.upload.skip_invalid": {"ko": "잘못된 행은 건너뛰고 나머지를 적재", "en": "Skip invalid rows and load the rest"},
    "data.upload.skip_invalid.help": {
        "ko": "끄면 문제가 하나라도 있을 때 파일 전체를 적재하지 않습니다.",
        "en": "Off: one problem rejects the whole file and nothing is loaded."},
    "data.upload.load": {"ko": "적재", "en": "Load"},
    "data.upload.progress": {"ko": "{done:,}행 처리 중…", "en": "Processing row {done:,}…"},
    "data.upload.progress_total": {"ko": "{done:,} / {total:,}행 처리 중…", "en": "Processing row {done:,} of {total:,}…"},
    "data.upload.done": {"ko": "완료", "en": "Done"},
    "kind.orders": {"ko": "주문", "en": "Orders"},
    "kind.returns": {"ko": "반품·교환·취소", "en": "Returns & claims"},
    "kind.sessions": {"ko": "방문(세션)", "en": "Sessions (visits)"},
    "kind.traffic_stats": {"ko": "일별 유입 통계", "en": "Daily visit statistics"},
    "kind.ad_stats": {"ko": "광고 통계", "en": "Ad statistics"},
    "kind.inventory": {"ko": "재고", "en": "Inventory"},
    "kind.products": {"ko": "상품", "en": "Products"},
    "format.auto": {"ko": "자동 감지", "en": "Detect automatically"},
    "format.canonical": {"ko": "표준 템플릿", "en": "Canonical template"},
    "format.shopify": {"ko": "Shopify 내보내기", "en": "Shopify export"},
    "format.online_retail": {"ko": "Online Retail (UCI)", "en": "Online Retail (UCI)"},
    "format.smartstore": {"ko": "네이버 스마트스토어 주문 내보내기", "en": "Naver Smart Store order export"},
    "format.naver_searchad": {"ko": "네이버 검색광고 보고서", "en": "Naver search ads report"},
    "format.google_ads": {"ko": "Google Ads 보고서", "en": "Google Ads report"},
    "format.meta_ads": {"ko": "Meta 광고 관리자 내보내기", "en": "Meta Ads Manager export"},
    "format.coupang_ads": {"ko": "쿠팡 광고 보고서", "en": "Coupang ads report"},
    "format.coupang": {"ko": "쿠팡 WING 주문 목록", "en": "Coupang WING order list"},
    "format.smartstore_marketing": {"ko": "스마트스토어 마케팅분석 (일별 유입)",
                                    "en": "Smart Store 마케팅분석 (visits by day)"},
    "format.mapped": {"ko": "직접 매핑", "en": "Custom mapping"},
    "data.mapper.header": {"ko": "열 매핑", "en": "Column mapping"},
    "data.mapper.detected": {"ko": "감지된 형식: {fmt}", "en": "Detected format: {fmt}"},
    "data.mapper.help": {"ko": "각 대상 열을 파일의 어느 열로 채울지 고르세요. 제안값이 미리 선택되어 있습니다.",
                         "en": "Pick the column of your file that fills each target column; suggestions are pre-selected."},
    "data.mapper.none": {"ko": "(없음)", "en": "(none)"},
    "data.mapper.required": {"ko": "필수", "en": "required"},
    "data.preview.header": {"ko": "미리보기 (처음 {n}행, 매핑 적용)", "en": "Preview (first {n} rows, mapped)"},
    "data.preview.problems": {"ko": "미리보기에서 발견된 문제", "en": "Problems found in the preview"},
    "data.preview.failed": {"ko": "파일을 읽을 수 없습니다: {error}", "en": "Cannot read the file: {error}"},
    "data.result.loaded": {
        "ko": "적재 완료: {loaded:,}행 추가, 중복 {duplicate:,}행 건너뜀, 거부 {rejected:,}행 (읽은 행 {read:,}).",
        "en": "Loaded {loaded:,} rows; {duplicate:,} duplicates skipped, {rejected:,} rejected ({read:,} rows read)."},
    "sidebar.view_as_of": {"ko": "기준 시각", "en": "View as of"},
    "sidebar.view_as_of.data": {"ko": "마지막 데이터 ({when})", "en": "Latest data ({when})"},
    "sidebar.view_as_of.now": {"ko": "지금", "en": "Now"},
    "sidebar.view_as_of.help": {
        "ko": "이 스토어의 마지막 주문·방문은 {when}입니다 ({days:,}일 전). '마지막 데이터'는 모든 화면을 그 직후 "
              "기준으로 보여 줍니다: 그날이 '오늘'이고 기간은 그날까지입니다. '지금'은 실제 현재 시각 기준이라 최근 "
              "기간이 비어 보일 수 있습니다.",
        "en": "This store's latest order or visit is {when} ({days:,} days ago). 'Latest data' shows every page as "
              "of just after it: that day is 'today' and windows end there. 'Now' uses the real time, so recent "
              "windows may be empty."},
    "sidebar.view_as_of.note": {"ko": "{days:,}일 동안 새 데이터가 없어 {when} 기준으로 보는 중입니다.",
                                "en": "No new data for {days:,} days: viewing as of {when}."},
    "data.result.sheet": {"ko": "'{name}' ({first:,}–{last:,}행)", "en": "'{name}' (rows {first:,}–{last:,})"},
    "data.result.sheets": {"ko": "읽은 시트: {sheets}. 행 번호는 시트를 이어서 셉니다.",
                           "en": "Sheets read: {sheets}. Row numbers run on across the sheets."},
    "data.result.sheets_skipped": {"ko": "열 구성이 달라 읽지 않은 시트: {names}",
                                   "en": "Sheets not read (other columns): {names}"},
    "data.result.nothing_new": {"ko": "새로 추가된 행이 없습니다: {duplicate:,}행 모두 이미 적재되어 있습니다.",
                                "en": "Nothing new: all {duplicate:,} rows were already loaded."},
    "data.result.totals": {"ko": "적재된 합계", "en": "Totals loaded"},
    "data.result.updated": {"ko": "이 중 {updated:,}행은 이미 있던 행을 새 값으로 갱신했습니다.",
                            "en": "{updated:,} of them restated rows loaded before with new figures."},
    "data.result.combined": {"ko": "세부 구분(기기·매체 등)으로 나뉜 {combined:,}행을 날짜·키워드별로 합쳤습니다.",
                             "en": "{combined:,} rows split by a breakdown (device, medium, ...) were summed per day "
                                   "and keyword."},
    "data.result.days_with_sessions": {
        "ko": "이 파일의 {days:,}일은 이미 방문 단위 데이터(세션)가 있어, 보고서는 그날들에 세션을 사용합니다 (같은 방문을 "
              "두 번 세지 않도록). 나머지 날에는 이 파일의 일별 유입이 쓰입니다.",
        "en": "{days:,} days of this file already have visit-level sessions: reports use the sessions on those days "
              "(so no visit counts twice), and this file's daily counts on the others."},
    "total.orders": {"ko": "주문", "en": "Orders"},
    "total.lines": {"ko": "주문 행", "en": "Order lines"},
    "total.units": {"ko": "수량", "en": "Units"},
    "total.gross_sales": {"ko": "총매출", "en": "Gross sales"},
    "total.discounts": {"ko": "할인", "en": "Discounts"},
    "total.shipping": {"ko": "배송비", "en": "Shipping"},
    "total.returns": {"ko": "반품·클레임 행", "en": "Return rows"},
    "total.returns_amount": {"ko": "환불·반품 금액", "en": "Refunded and returned amount"},
    "total.net_sales": {"ko": "순매출", "en": "Net sales"},
    "total.orders_updated": {"ko": "상태가 갱신된 주문", "en": "Orders restated"},
    "total.rows": {"ko": "새로 추가된 행", "en": "New rows"},
    "total.rows_updated": {"ko": "새 값으로 갱신된 행", "en": "Rows restated"},
    "total.rows_combined": {"ko": "합쳐진 세부 구분 행", "en": "Breakdown rows summed"},
    "total.device_total_rows": {"ko": "기기별 행이 있어 제외한 '전체' 행", "en": "'전체' (all devices) rows left out "
                                "beside their device rows"},
    "total.days_with_sessions": {"ko": "방문 단위 데이터가 이미 있는 날 (보고서는 방문 데이터를 씀)",
                                 "en": "Days that already have visit-level sessions (reports use those)"},
    "data.result.rejects_file": {"ko": "거부된 행은 {path} 에 저장했습니다.", "en": "Rejected rows were written to {path}."},
    "data.result.rejected": {
        "ko": "파일을 적재하지 않았습니다: 문제 {count:,}건. 데이터는 바뀌지 않았습니다.",
        "en": "The file was not loaded: {count:,} problems. The warehouse is unchanged."},
    "data.result.first_problems": {"ko": "처음 발견된 문제", "en": "First problems"},
    "data.result.failed": {"ko": "적재 중 오류가 발생했습니다: {error}", "en": "The load failed: {error}"},
    # data page: status
    "data.tables.header": {"ko": "테이블별 행 수", "en": "Rows per table"},
    "data.freshness.header": {"ko": "데이터 최신성", "en": "Data freshness"},
    "data.freshness.help": {"ko": "테이블마다 가장 최근 기록의 시각(스토어 시간대)입니다.",
                            "en": "The latest record of each table, in the store's time zone."},
    "data.loads.header": {"ko": "적재 기록 (최근 50건)", "en": "Load log (latest 50)"},
    "data.loads.empty": {"ko": "아직 적재 기록이 없습니다.", "en": "No loads yet."},
    "data.templates.header": {"ko": "예시 템플릿", "en": "Example templates"},
    "data.templates.help": {"ko": "표준 형식의 예시 파일입니다. 내려받아 형식을 확인하세요.",
                            "en": "Example files in the canonical formats; download one to see the layout."},
    "data.templates.none": {"ko": "아직 예시 파일이 없습니다.", "en": "No example files yet."},
    "col.table_name": {"ko": "테이블", "en": "Table"},
    "col.row_count": {"ko": "행 수", "en": "Rows"},
    "col.latest_local": {"ko": "최근 기록 (현지 시각)", "en": "Latest record (local time)"},
    "col.age_hours": {"ko": "경과 (시간)", "en": "Age (hours)"},
    "col.load_id": {"ko": "적재 ID", "en": "Load id"},
    "col.finished_local": {"ko": "시각", "en": "When"},
    "col.source": {"ko": "출처", "en": "Source"},
    "col.kind": {"ko": "종류", "en": "Kind"},
    "col.format": {"ko": "형식", "en": "Format"},
    "col.rows_read": {"ko": "읽은 행", "en": "Rows read"},
    "col.rows_loaded": {"ko": "적재", "en": "Loaded"},
    "col.rows_duplicate": {"ko": "중복", "en": "Duplicates"},
    "col.rows_rejected": {"ko": "거부", "en": "Rejected"},
    "col.status": {"ko": "상태", "en": "Status"},
    "col.message": {"ko": "메시지", "en": "Message"},
    "col.row": {"ko": "행", "en": "Row"},
    "col.column": {"ko": "열", "en": "Column"},
    "col.reason": {"ko": "이유", "en": "Reason"},
    "col.value": {"ko": "값", "en": "Value"},
    "col.total_name": {"ko": "항목", "en": "Item"},
    "col.total_value": {"ko": "합계", "en": "Total"},
    "load.status.loaded": {"ko": "적재 완료", "en": "loaded"},
    "load.status.partial": {"ko": "일부 적재", "en": "partly loaded"},
    "load.status.nothing_new": {"ko": "새 행 없음", "en": "nothing new"},
    "load.status.rejected": {"ko": "거부", "en": "rejected"},
}


# Each insight area keeps its strings in analytics/<area>_text.py; keys are prefixed with the area name.
for _area in (realtime_text, products_text, traffic_text, ads_text, customers_text, digest_text, alerts_text):
    for _key in _area.STRINGS:
        if _key in STRINGS:
            raise ValueError(f"UI string {_key!r} is defined twice")
    STRINGS.update(_area.STRINGS)


def t(key: str, lang: str, **values: object) -> str:
    """The string `key` in `lang` (ko or en; anything else falls back to en), formatted with `values`."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    if not values:
        return text
    text = text.format(**values)
    return korean_particles(text) if lang == "ko" else text


# A Korean particle depends on whether the word before it ends in a consonant (batchim): 을/를, 이/가, 은/는,
# 과/와, 으로/로 (로 also after ㄹ). Templates write both forms, e.g. "'{term}'을(를)"; once the word is known the
# right one is kept. Digits are read the Korean way (1 일, 2 이, 3 삼 ...), % as 퍼센트; after a Latin letter or another
# symbol both forms stay, since the reading is unknown.
_PARTICLES = {"을(를)": ("을", "를"), "이(가)": ("이", "가"), "은(는)": ("은", "는"), "과(와)": ("과", "와"),
              "와(과)": ("과", "와"), "(으)로": ("으로", "로")}
# a gloss in brackets after the word ("소포장 (small pack)") is skipped: the particle follows the word before it
_PARTICLE = re.compile(r"([가-힣0-9%])(\s*\([^()]*\))?([’”'\")\]]*)(을\(를\)|이\(가\)|은\(는\)|과\(와\)|와\(과\)|\(으\)로)")
_DIGIT_FINAL = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0,  # final jamo
                "%": 0}                                                                       # 퍼센트
_RIEUL = 8


def korean_particles(text: str) -> str:
    """`text` with each two-form particle ("을(를)", "(으)로", ...) after a Hangul syllable or a digit resolved,
    also when a gloss in brackets stands between them ('소포장 (small pack)'을, as in 소포장(small pack)을)."""
    def pick(match: re.Match) -> str:
        char, gloss, closing, both = match.groups()
        final = _DIGIT_FINAL[char] if char in _DIGIT_FINAL else (ord(char) - 0xAC00) % 28
        with_final, without = _PARTICLES[both]
        if both == "(으)로":
            chosen = with_final if final not in (0, _RIEUL) else without
        else:
            chosen = with_final if final else without
        return char + (gloss or "") + closing + chosen
    return _PARTICLE.sub(pick, text)


# Plotly writes dates on an axis in English ("Nov 16", "Jan 2026") whatever the page's language; a Korean chart
# gets Korean tick and hover labels instead, chosen by the zoom level as Plotly's own multi-level labels are.
_HOUR_MS, _DAY_MS, _WEEK_MS = 3_600_000, 86_400_000, 604_800_000
_KO_DATE_TICKS = (
    {"dtickrange": [None, _HOUR_MS], "value": "%H:%M"},
    {"dtickrange": [_HOUR_MS, _DAY_MS], "value": "%-m월 %-d일 %H시"},
    {"dtickrange": [_DAY_MS, "M1"], "value": "%-m월 %-d일"},
    {"dtickrange": ["M1", "M12"], "value": "%Y년 %-m월"},
    {"dtickrange": ["M12", None], "value": "%Y년"},
)


def date_axis(lang: str, *, hourly: bool = False) -> dict[str, object]:
    """Layout settings for a date x axis in `lang` (pass to fig.update_xaxes): Korean tick labels (11월 16일,
    2026년 1월) and hover dates (2026-11-16, with the time when `hourly`); English keeps Plotly's labels and shows
    hover dates the same numeric way."""
    hover = "%Y-%m-%d %H:%M" if hourly else "%Y-%m-%d"
    if lang != "ko":
        return {"type": "date", "hoverformat": hover}
    return {"type": "date", "tickformatstops": [dict(stop) for stop in _KO_DATE_TICKS], "hoverformat": hover}


def names(prefix: str, lang: str) -> dict[str, str]:
    """Code -> text in `lang` for every string under `prefix` ("traffic.channel" -> {"search": "검색", ...}): what
    a table shows for the codes it stores (pl.col(...).replace(names(...)) keeps codes without a text)."""
    start = prefix + "."
    return {key[len(start):]: t(key, lang) for key in STRINGS if key.startswith(start)}


def won_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], list[str]]:
    """Round tick values from `low` to `high` (about `count` steps of 1, 2, 2.5 or 5 × 10^k) and their Korean
    labels: 0, 5,000, 2만, 1,200만, 1.5억. Plotly hides ticks outside the data's range, so when fewer than 4 would
    fall inside [low, high] (bars up to 5.3만: 0 / 2만 / 4만, the 6만 above them hidden) the steps are finer."""
    for wanted in (count, count + 2, count + 4):
        values = _round_ticks(low, high, wanted)
        if sum(low <= v <= high for v in values) >= 4:
            break

    def label(v: float) -> str:
        size = abs(v)
        if size >= 1e8:
            return f"{v / 1e8:,.4g}억"
        if size >= 1e4:
            return f"{v / 1e4:,.4g}만"
        return f"{v:,.0f}"
    return values, [label(v) for v in values]


def _round_ticks(low: float, high: float, count: int) -> list[float]:
    span = max(high - low, 1.0)
    magnitude = 10 ** max(0, math.floor(math.log10(span / count)))      # whole won
    steps = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= span / count)
    first = math.floor(low / step)
    return [(first + i) * step for i in range(math.ceil(high / step) - first + 1)]


def korean_money_axes(fig: Any, lang: str, currency: str, axes: tuple[str, ...] = ("y",)) -> Any:
    """`fig` with its won axes (`axes`: "x", "y", "y2", ...) ticked in 만 and 억 (1,200만, 1.5억) as Korean sellers
    count money and as the tiles show it, instead of Plotly's 12M. Other languages and currencies are untouched."""
    if (currency or "").upper() != "KRW":
        return fig
    return korean_count_axes(fig, lang, axes)


def korean_count_axes(fig: Any, lang: str, axes: tuple[str, ...] = ("y",)) -> Any:
    """`fig` with its linear axes (`axes`) ticked in 만 and 억 in Korean (5만 visits, not Plotly's 50k: the SI
    letters are not how Korean counts); other languages untouched. Money axes: korean_money_axes."""
    if lang != "ko":
        return fig
    for axis in axes:
        letter = axis[0]
        values = [v for trace in fig.data if (getattr(trace, f"{letter}axis", None) or letter) == axis
                  for v in (getattr(trace, letter, None) or ()) if isinstance(v, int | float) and math.isfinite(v)]
        if not values:
            continue
        ticks, labels = won_ticks(min(0.0, min(values)), max(values))
        fig.update_layout({f"{letter}axis{axis[1:]}": {"tickmode": "array", "tickvals": ticks, "ticktext": labels}})
    return fig


def language_of_locale(locale: str | None) -> str | None:
    """'ko' or 'en' for a browser's language tag (navigator.language: 'ko-KR', 'ko', 'en-US', 'en-GB'); None for
    any other language or none, so the caller falls back to its default."""
    code = (locale or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def normalise_language(lang: str | None) -> str:
    """'ko' or 'en' from a setting or user value (e.g. 'KO', 'ko-KR'); unknown values become 'ko'."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else "ko"
