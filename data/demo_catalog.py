"""Demo store catalogues: the three demo sellers' products, keywords, channels, ad campaigns and incidents."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price: float              # in the seller's currency (KRW whole won, USD dollars)
    cost_ratio: float         # unit cost / price
    pack_size: int
    attributes: str
    popularity: float         # relative share of lines
    return_rate: float        # probability a line is returned or exchanged
    lead_time_days: int
    consumable: bool = True   # consumables are re-bought and bought in quantities > 1
    season: str = ""          # '', 'winter' or 'summer': popularity follows the season
    gift: bool = False        # sells much more in the weeks before 추석/설날 (or December)


@dataclass(frozen=True)
class Channel:
    """A traffic source: its share of orders and its visit-to-order conversion rate."""
    channel: str              # search | social | direct | referral | email
    source: str
    medium: str
    order_share: float
    conversion_rate: float


@dataclass(frozen=True)
class AdRow:
    """One platform / campaign / ad group / keyword line of ad_stats."""
    platform: str             # naver_searchad | coupang_ads | google_ads | meta_ads
    campaign: str
    ad_group: str
    keyword: str              # '' for shopping, auto and social campaigns
    category: str             # product category the ad lands on ('' = whole store)
    cpc: float                # cost per click in the seller's currency
    roas: float               # target return on ad spend (revenue / cost), e.g. 4.0 = 400 %
    order_share: float        # share of the seller's ads-attributed orders in normal times
    ctr: float                # click-through rate (impressions = clicks / ctr)
    kind: str = "normal"      # normal | decay (ROAS falls steadily over the year) | dud (spends, never converts)


@dataclass(frozen=True)
class Keyword:
    keyword: str
    category: str | None      # category it finds products in; None = brand (any product)
    weight: float             # share of search visits
    served: bool = True       # False: the catalogue has nothing for it (visits never convert)


@dataclass(frozen=True)
class Promotion:
    """A sales event: day of month (or fixed month/day), volume factor, discount on some categories."""
    name: str
    volume: float
    discount: float
    categories: tuple[str, ...] = ()   # empty: every category
    day_of_month: int | None = None    # monthly event ('brand day')
    month_day: tuple[int, int] | None = None  # yearly event (11.11)


@dataclass(frozen=True)
class SellerSpec:
    seller_id: str
    name: str
    currency: str
    timezone: str
    language: str
    country: str
    holiday_country: str
    orders_per_day: float               # average at scale 1
    guest_share: float                  # share of orders without a customer id
    purchase_rate_mean: float           # repeat purchases per active day (gamma mean)
    purchase_rate_shape: float          # gamma shape: small = very heterogeneous buyers
    lifetime_mean_days: float           # mean time a customer stays active (exponential, gamma-mixed)
    weekly: tuple[float, ...]           # Monday..Sunday volume factors
    hourly_weekday: tuple[float, ...]   # 24 relative weights, local hours
    hourly_weekend: tuple[float, ...]
    season_amplitude: float             # yearly cycle: 1 + a*cos(2π(doy - peak)/365)
    season_peak_doy: int
    growth_per_year: float
    products: tuple[Product, ...]
    shipping_sku: str
    shipping_name: str
    shipping_fee: float
    free_shipping_from: float
    first_order_coupon: float
    channels: tuple[Channel, ...]
    ads_order_share: float              # share of orders that come through ads
    ads: tuple[AdRow, ...]
    keywords: tuple[Keyword, ...]
    unmet_landing: dict[str, str] = field(default_factory=dict)   # unserved keyword -> category they land on
    promotions: tuple[Promotion, ...] = ()
    mobile_share: float = 0.75
    store_channels: tuple[tuple[str, float], ...] = (("online_store", 1.0),)
    grades: tuple[str, str, str, str] = ("VIP", "Gold", "Silver", "New")
    return_reasons: tuple[str, ...] = ()
    exchange_reasons: tuple[str, ...] = ()
    cancel_reasons: tuple[str, ...] = ()
    damage_reason: str = "damaged"


# Volume factors and intraday profiles --------------------------------------------------------------------------

KR_WEEKLY = (1.22, 1.10, 1.05, 1.02, 0.93, 0.78, 0.88)
US_WEEKLY = (1.03, 1.00, 0.99, 0.99, 0.96, 0.98, 1.05)
# peaks 10-12 and 20-23 local; weekday evenings strongest, weekends flatter
KR_HOURLY_WEEKDAY = (0.9, 0.5, 0.3, 0.2, 0.15, 0.2, 0.4, 0.8, 1.3, 2.0, 2.8, 3.2, 3.0, 2.4, 2.1, 2.1,
                     2.0, 1.9, 2.0, 2.6, 3.3, 3.6, 3.4, 2.1)
KR_HOURLY_WEEKEND = (1.2, 0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.5, 0.8, 1.3, 1.9, 2.4, 2.6, 2.6, 2.5, 2.4,
                     2.3, 2.2, 2.2, 2.4, 2.7, 2.9, 2.7, 1.8)
US_HOURLY_WEEKDAY = (0.6, 0.35, 0.2, 0.15, 0.15, 0.3, 0.6, 1.0, 1.4, 1.9, 2.4, 2.6, 2.5, 2.3, 2.2, 2.1,
                     2.0, 2.1, 2.3, 2.7, 3.0, 3.0, 2.4, 1.3)
US_HOURLY_WEEKEND = (0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.5, 0.9, 1.4, 2.0, 2.5, 2.7, 2.7, 2.6, 2.5, 2.4,
                     2.3, 2.3, 2.4, 2.6, 2.7, 2.6, 2.0, 1.2)

KR_RETURN_REASONS = ("단순 변심", "사이즈 불만", "파손/불량", "오배송", "상품 설명과 다름", "배송 지연")
KR_EXCHANGE_REASONS = ("사이즈 불만", "파손/불량", "오배송", "색상 변경")
KR_CANCEL_REASONS = ("단순 변심", "주문 실수", "배송 지연", "다른 상품으로 재주문")
US_RETURN_REASONS = ("changed mind", "wrong size", "damaged", "not as described", "arrived late", "wrong item")
US_EXCHANGE_REASONS = ("wrong size", "damaged", "wrong colour")
US_CANCEL_REASONS = ("changed mind", "ordered by mistake", "shipping too slow")


def _p(sku, name, category, price, cost, pack, attrs, pop, ret, lead, **kw) -> Product:
    return Product(sku, name, category, price, cost, pack, attrs, pop, ret, lead, **kw)


# 멍냥마켓: pet supplies --------------------------------------------------------------------------------------------

PETSHOP_PRODUCTS = (
    _p("PET-FD-001", "그레인프리 연어 고양이 사료 2kg", "사료", 32900, 0.62, 1, "weight=2kg; flavour=연어", 5.5, 0.015, 10),
    _p("PET-FD-002", "전연령 강아지 사료 양고기 6kg", "사료", 45900, 0.64, 1, "weight=6kg; flavour=양고기", 3.5, 0.015, 12),
    _p("PET-FD-003", "소형견 사료 치킨 2kg", "사료", 19800, 0.60, 1, "weight=2kg; flavour=치킨", 4.0, 0.015, 10),
    _p("PET-FD-004", "인도어 고양이 사료 4kg", "사료", 38500, 0.63, 1, "weight=4kg", 3.0, 0.015, 12),
    _p("PET-FD-005", "퍼피 사료 1.2kg", "사료", 16900, 0.58, 1, "weight=1.2kg", 2.0, 0.015, 10),
    _p("PET-FD-006", "시니어 강아지 사료 3kg", "사료", 29800, 0.61, 1, "weight=3kg", 1.8, 0.015, 12),
    _p("PET-FD-007", "고양이 습식 파우치 85g 12개입", "사료", 15900, 0.55, 12, "weight=85g; pack=12", 3.2, 0.02, 8),
    _p("PET-FD-008", "강아지 습식 캔 100g 24개입", "사료", 28800, 0.57, 24, "weight=100g; pack=24", 1.6, 0.02, 8),
    _p("PET-SN-001", "국내산 닭가슴살 져키 300g", "간식", 12900, 0.52, 1, "weight=300g; origin=국내산", 7.5, 0.012, 7),
    _p("PET-SN-002", "오리안심 져키 200g", "간식", 10900, 0.50, 1, "weight=200g", 3.5, 0.012, 7),
    _p("PET-SN-003", "짜먹는 고양이 간식 참치 14g 50개입", "간식", 21900, 0.55, 50, "weight=14g; pack=50", 5.0, 0.012, 9),
    _p("PET-SN-004", "덴탈껌 소형견 30개입", "간식", 14900, 0.50, 30, "pack=30; size=S", 3.0, 0.012, 9),
    _p("PET-SN-005", "동결건조 북어 트릿 100g", "간식", 9900, 0.48, 1, "weight=100g", 2.4, 0.012, 7),
    _p("PET-SN-006", "수제 고구마 말랭이 250g", "간식", 8900, 0.46, 1, "weight=250g", 2.0, 0.012, 6),
    _p("PET-SN-007", "연어 큐브 트릿 150g", "간식", 11900, 0.50, 1, "weight=150g", 1.8, 0.012, 7),
    _p("PET-SN-008", "우유껌 본 20개입", "간식", 9800, 0.47, 20, "pack=20", 1.5, 0.012, 7),
    _p("PET-SN-009", "명절 수제간식 선물세트", "간식", 29900, 0.55, 1, "pack=6종", 0.5, 0.02, 10, gift=True),
    _p("PET-HY-001", "고양이 두부모래 7L", "위생", 11900, 0.55, 1, "volume=7L", 10.0, 0.03, 7),
    _p("PET-HY-002", "강아지 배변패드 100매", "위생", 19900, 0.58, 100, "pack=100; size=regular", 6.0, 0.015, 7),
    _p("PET-HY-003", "벤토나이트 고양이 모래 10kg", "위생", 16900, 0.60, 1, "weight=10kg", 2.8, 0.03, 8),
    _p("PET-HY-004", "강아지 배변봉투 300매", "위생", 6900, 0.45, 300, "pack=300", 2.0, 0.01, 7),
    _p("PET-HY-005", "탈취 스프레이 500ml", "위생", 8900, 0.50, 1, "volume=500ml", 1.6, 0.02, 7),
    _p("PET-HY-006", "펫 물티슈 80매 10팩", "위생", 13900, 0.55, 10, "pack=10", 2.2, 0.015, 7),
    _p("PET-TY-001", "고양이 낚싯대 장난감 3종", "장난감", 7900, 0.45, 3, "pack=3", 1.6, 0.03, 14, consumable=False),
    _p("PET-TY-002", "강아지 노즈워크 담요", "장난감", 18900, 0.50, 1, "size=60x60", 1.0, 0.04, 14, consumable=False),
    _p("PET-TY-003", "터그 로프 장난감", "장난감", 6500, 0.45, 1, "", 1.0, 0.03, 14, consumable=False),
    _p("PET-TY-004", "고양이 스크래쳐 대형", "장난감", 15900, 0.55, 1, "size=L", 1.2, 0.05, 14, consumable=False),
    _p("PET-TY-005", "삑삑이 라텍스 공 3개입", "장난감", 5900, 0.45, 3, "pack=3", 0.9, 0.03, 14, consumable=False),
    _p("PET-WK-001", "강아지 하네스 S", "산책/외출", 21900, 0.50, 1, "size=S", 1.2, 0.09, 14, consumable=False),
    _p("PET-WK-002", "강아지 하네스 M", "산책/외출", 21900, 0.50, 1, "size=M", 1.1, 0.09, 14, consumable=False),
    _p("PET-WK-003", "자동 리드줄 5m", "산책/외출", 17900, 0.52, 1, "length=5m", 0.9, 0.04, 14, consumable=False),
    _p("PET-WK-004", "고양이 이동장", "산책/외출", 39000, 0.60, 1, "size=M", 0.6, 0.05, 21, consumable=False),
    _p("PET-WK-005", "강아지 겨울 패딩 M", "산책/외출", 24900, 0.48, 1, "size=M; season=winter", 0.9, 0.10, 21,
       consumable=False, season="winter"),
    _p("PET-GR-001", "저자극 강아지 샴푸 500ml", "미용", 13900, 0.50, 1, "volume=500ml", 1.2, 0.02, 10),
    _p("PET-GR-002", "고양이 슬리커 브러쉬", "미용", 8900, 0.45, 1, "", 0.8, 0.03, 14, consumable=False),
    _p("PET-GR-003", "반려동물 발톱깎이", "미용", 7500, 0.45, 1, "", 0.6, 0.03, 14, consumable=False),
    _p("PET-HE-001", "강아지 관절 영양제 60정", "건강", 25900, 0.55, 60, "pack=60", 1.4, 0.01, 12),
    _p("PET-HE-002", "반려동물 유산균 30포", "건강", 22900, 0.52, 30, "pack=30", 1.3, 0.01, 12),
    _p("PET-HE-003", "눈물자국 영양제 120g", "건강", 19800, 0.55, 1, "weight=120g", 0.8, 0.01, 12),
    _p("PET-LV-001", "자동 급수기 2L", "생활", 29900, 0.60, 1, "volume=2L", 0.7, 0.06, 21, consumable=False,
       season="summer"),
    _p("PET-LV-002", "세라믹 식기 2종 세트", "생활", 16900, 0.55, 2, "pack=2", 0.7, 0.05, 14, consumable=False),
)

PETSHOP = SellerSpec(
    seller_id="petshop_kr", name="멍냥마켓", currency="KRW", timezone="Asia/Seoul", language="ko", country="KR",
    holiday_country="KR", orders_per_day=104, guest_share=0.07,
    purchase_rate_mean=1 / 75, purchase_rate_shape=0.45, lifetime_mean_days=200,
    weekly=KR_WEEKLY, hourly_weekday=KR_HOURLY_WEEKDAY, hourly_weekend=KR_HOURLY_WEEKEND,
    season_amplitude=0.12, season_peak_doy=15, growth_per_year=0.18,
    products=PETSHOP_PRODUCTS,
    shipping_sku="SHIP-KR", shipping_name="배송비", shipping_fee=3000, free_shipping_from=30000,
    first_order_coupon=3000,
    channels=(
        Channel("search", "naver", "organic", 0.34, 0.026),
        Channel("search", "google", "organic", 0.09, 0.022),
        Channel("direct", "(direct)", "(none)", 0.14, 0.060),
        Channel("social", "instagram", "social", 0.08, 0.009),
        Channel("referral", "blog.naver.com", "referral", 0.05, 0.020),
        Channel("email", "newsletter", "email", 0.08, 0.050),
    ),
    ads_order_share=0.22,
    ads=(
        AdRow("naver_searchad", "파워링크_간식", "져키", "강아지 간식", "간식", 620, 4.6, 0.12, 0.025),
        AdRow("naver_searchad", "파워링크_간식", "져키", "닭가슴살 져키", "간식", 480, 5.2, 0.08, 0.03),
        AdRow("naver_searchad", "파워링크_간식", "고양이간식", "고양이 간식", "간식", 550, 4.0, 0.06, 0.025),
        AdRow("naver_searchad", "파워링크_사료", "강아지사료", "강아지 사료", "사료", 1250, 3.0, 0.08, 0.02),
        AdRow("naver_searchad", "파워링크_사료", "고양이사료", "고양이 사료", "사료", 1150, 3.3, 0.07, 0.02),
        AdRow("naver_searchad", "파워링크_위생", "모래", "고양이 모래", "위생", 380, 4.8, 0.07, 0.03),
        AdRow("naver_searchad", "파워링크_위생", "배변", "배변패드", "위생", 320, 5.0, 0.06, 0.035),
        AdRow("naver_searchad", "파워링크_기타", "유모차", "강아지 유모차", "산책/외출", 650, 0.0, 0.0, 0.02, kind="dud"),
        AdRow("naver_searchad", "쇼핑검색_베스트", "베스트상품", "", "", 260, 5.5, 0.12, 0.012),
        AdRow("coupang_ads", "쿠팡_사료_자동", "자동", "", "사료", 420, 5.0, 0.14, 0.015, kind="decay"),
        AdRow("coupang_ads", "쿠팡_위생_수동", "두부모래", "고양이 두부모래", "위생", 300, 3.0, 0.05, 0.02),
        AdRow("google_ads", "구글_검색_브랜드", "브랜드", "멍냥마켓", "", 200, 6.0, 0.04, 0.08),
        AdRow("google_ads", "구글_쇼핑", "전체상품", "", "", 350, 2.0, 0.04, 0.01),
        AdRow("meta_ads", "메타_리타겟팅", "장바구니이탈", "", "", 520, 2.6, 0.04, 0.011),
        AdRow("meta_ads", "메타_신규고객", "관심사_반려견", "", "", 700, 1.5, 0.03, 0.008),
    ),
    keywords=(
        Keyword("강아지 간식", "간식", 9), Keyword("닭가슴살 져키", "간식", 6), Keyword("고양이 간식", "간식", 5),
        Keyword("강아지 껌", "간식", 2.5), Keyword("dog treats", "간식", 1.2),
        Keyword("고양이 모래", "위생", 7), Keyword("두부모래", "위생", 4), Keyword("배변패드", "위생", 5.5),
        Keyword("cat litter", "위생", 0.8),
        Keyword("강아지 사료", "사료", 8), Keyword("고양이 사료", "사료", 7), Keyword("그레인프리 사료", "사료", 2.5),
        Keyword("고양이 장난감", "장난감", 2.5), Keyword("노즈워크", "장난감", 1.5),
        Keyword("강아지 하네스", "산책/외출", 2.5), Keyword("강아지 패딩", "산책/외출", 1.5),
        Keyword("강아지 샴푸", "미용", 1.5), Keyword("관절 영양제", "건강", 1.6), Keyword("강아지 유산균", "건강", 1.4),
        Keyword("강아지 급수기", "생활", 0.8),
        Keyword("멍냥마켓", None, 4),
        Keyword("소포장", None, 3.2, served=False), Keyword("간식 소포장", None, 2.6, served=False),
        Keyword("사료소포장", None, 2.4, served=False), Keyword("small pack", None, 0.6, served=False),
        Keyword("강아지 유모차", None, 2.8, served=False),
    ),
    unmet_landing={"소포장": "간식", "간식 소포장": "간식", "사료소포장": "사료", "small pack": "간식",
                   "강아지 유모차": "산책/외출"},
    promotions=(
        Promotion("11.11 빅세일", 2.3, 0.20, month_day=(11, 11)),
        Promotion("멍냥 브랜드데이", 1.5, 0.10, categories=("사료", "간식"), day_of_month=15),
    ),
    mobile_share=0.76,
    store_channels=(("smartstore", 0.78), ("own_mall", 0.22)),
    grades=("VIP", "골드", "실버", "일반"),
    return_reasons=KR_RETURN_REASONS, exchange_reasons=KR_EXCHANGE_REASONS, cancel_reasons=KR_CANCEL_REASONS,
    damage_reason="파손/불량",
)

# 오늘의원두: coffee roaster ---------------------------------------------------------------------------------------

COFFEE_PRODUCTS = (
    _p("CF-BN-001", "에티오피아 예가체프 G1 200g", "원두", 16000, 0.50, 1, "weight=200g; roast=light", 6.0, 0.01, 5),
    _p("CF-BN-002", "콜롬비아 수프리모 200g", "원두", 13000, 0.48, 1, "weight=200g; roast=medium", 4.5, 0.01, 5),
    _p("CF-BN-003", "과테말라 안티구아 200g", "원두", 14000, 0.48, 1, "weight=200g; roast=medium", 3.0, 0.01, 5),
    _p("CF-BN-004", "케냐 AA 200g", "원두", 17000, 0.50, 1, "weight=200g; roast=light", 2.5, 0.01, 5),
    _p("CF-BN-005", "브라질 산토스 1kg", "원두", 32000, 0.52, 1, "weight=1kg; roast=medium-dark", 3.5, 0.01, 6),
    _p("CF-BN-006", "하우스 블렌드 500g", "원두", 19000, 0.47, 1, "weight=500g", 5.0, 0.01, 5),
    _p("CF-BN-007", "디카페인 콜롬비아 200g", "원두", 15000, 0.50, 1, "weight=200g; decaf", 2.0, 0.01, 6),
    _p("CF-BN-008", "에스프레소 블렌드 1kg", "원두", 34000, 0.50, 1, "weight=1kg; roast=dark", 2.5, 0.01, 6),
    _p("CF-BN-009", "시즌 블렌드 200g", "원두", 15500, 0.49, 1, "weight=200g", 1.5, 0.01, 5, season="winter"),
    _p("CF-DB-001", "하우스 드립백 10개입", "드립백", 12000, 0.45, 10, "pack=10", 5.0, 0.01, 5),
    _p("CF-DB-002", "버라이어티 드립백 30개입", "드립백", 30000, 0.47, 30, "pack=30", 2.5, 0.01, 6),
    _p("CF-DB-003", "예가체프 드립백 10개입", "드립백", 14000, 0.47, 10, "pack=10", 2.5, 0.01, 5),
    _p("CF-CB-001", "콜드브루 원액 500ml", "콜드브루", 13900, 0.45, 1, "volume=500ml", 2.0, 0.02, 4, season="summer"),
    _p("CF-CB-002", "콜드브루 티백 10개입", "콜드브루", 15000, 0.46, 10, "pack=10", 1.2, 0.02, 5, season="summer"),
    _p("CF-GF-001", "드립백 선물세트 20개입", "선물세트", 28000, 0.50, 20, "pack=20; gift box", 0.8, 0.015, 7,
       gift=True),
    _p("CF-GF-002", "원두 선물세트 200g x 3", "선물세트", 42000, 0.52, 3, "pack=3; gift box", 0.6, 0.015, 7, gift=True),
    _p("CF-TL-001", "핸드드립 서버 600ml", "도구", 19000, 0.55, 1, "volume=600ml", 0.6, 0.05, 14, consumable=False),
    _p("CF-TL-002", "세라믹 드리퍼", "도구", 22000, 0.55, 1, "", 0.5, 0.05, 14, consumable=False),
    _p("CF-TL-003", "종이필터 100매", "도구", 4500, 0.45, 100, "pack=100", 1.5, 0.01, 10),
    _p("CF-TL-004", "핸드밀 그라인더", "도구", 49000, 0.62, 1, "", 0.4, 0.06, 21, consumable=False),
)

COFFEE = SellerSpec(
    seller_id="coffee_kr", name="오늘의원두", currency="KRW", timezone="Asia/Seoul", language="ko", country="KR",
    holiday_country="KR", orders_per_day=54, guest_share=0.06,
    purchase_rate_mean=1 / 65, purchase_rate_shape=0.4, lifetime_mean_days=180,
    weekly=KR_WEEKLY, hourly_weekday=KR_HOURLY_WEEKDAY, hourly_weekend=KR_HOURLY_WEEKEND,
    season_amplitude=0.18, season_peak_doy=10, growth_per_year=0.10,
    products=COFFEE_PRODUCTS,
    shipping_sku="SHIP-KR", shipping_name="배송비", shipping_fee=3000, free_shipping_from=25000,
    first_order_coupon=2000,
    channels=(
        Channel("search", "naver", "organic", 0.33, 0.024),
        Channel("search", "google", "organic", 0.08, 0.02),
        Channel("direct", "(direct)", "(none)", 0.17, 0.065),
        Channel("social", "instagram", "social", 0.09, 0.01),
        Channel("referral", "blog.naver.com", "referral", 0.04, 0.02),
        Channel("email", "newsletter", "email", 0.09, 0.055),
    ),
    ads_order_share=0.20,
    ads=(
        AdRow("naver_searchad", "파워링크_원두", "원두추천", "원두 추천", "원두", 700, 3.6, 0.22, 0.025),
        AdRow("naver_searchad", "파워링크_원두", "스페셜티", "스페셜티 원두", "원두", 820, 3.0, 0.15, 0.02),
        AdRow("naver_searchad", "파워링크_드립백", "드립백", "드립백", "드립백", 450, 4.2, 0.18, 0.03),
        AdRow("naver_searchad", "쇼핑검색_원두", "베스트", "", "원두", 300, 5.0, 0.18, 0.012),
        AdRow("coupang_ads", "쿠팡_원두_자동", "자동", "", "원두", 380, 3.0, 0.12, 0.015),
        AdRow("meta_ads", "메타_리타겟팅", "방문자", "", "", 480, 2.2, 0.15, 0.01),
    ),
    keywords=(
        Keyword("원두 추천", "원두", 9), Keyword("스페셜티 원두", "원두", 5), Keyword("예가체프", "원두", 5),
        Keyword("디카페인 원두", "원두", 2.5), Keyword("에스프레소 원두", "원두", 2.5),
        Keyword("드립백", "드립백", 7), Keyword("콜드브루", "콜드브루", 3), Keyword("커피 선물세트", "선물세트", 2.5),
        Keyword("핸드드립", "도구", 2), Keyword("커피 필터", "도구", 1), Keyword("coffee beans", "원두", 0.8),
        Keyword("오늘의원두", None, 4),
    ),
    promotions=(
        Promotion("11.11 빅세일", 1.8, 0.15, month_day=(11, 11)),
        Promotion("원두데이", 1.4, 0.15, categories=("원두",), day_of_month=1),
    ),
    mobile_share=0.72,
    store_channels=(("smartstore", 0.65), ("own_mall", 0.35)),
    grades=("VIP", "골드", "실버", "일반"),
    return_reasons=("단순 변심", "파손/불량", "오배송", "상품 설명과 다름", "배송 지연"),
    exchange_reasons=("파손/불량", "오배송", "분쇄도 변경"), cancel_reasons=KR_CANCEL_REASONS,
    damage_reason="파손/불량",
)

# Trailhead Gear: outdoor gear (control seller without incidents) --------------------------------------------------

OUTDOOR_PRODUCTS = (
    _p("TG-BP-001", "Ridgeline 28L Daypack", "Backpacks", 89.00, 0.50, 1, "volume=28L", 4.0, 0.05, 21, consumable=False),
    _p("TG-BP-002", "Summit 45L Backpack", "Backpacks", 169.00, 0.52, 1, "volume=45L", 2.2, 0.06, 28, consumable=False),
    _p("TG-FW-001", "Trail Runner Shoe - Men's", "Footwear", 129.00, 0.50, 1, "size=M9-13", 4.0, 0.12, 21,
       consumable=False),
    _p("TG-FW-002", "Trail Runner Shoe - Women's", "Footwear", 129.00, 0.50, 1, "size=W6-10", 3.6, 0.12, 21,
       consumable=False),
    _p("TG-FW-003", "Waterproof Hiking Boot", "Footwear", 179.00, 0.55, 1, "waterproof", 2.2, 0.11, 28, consumable=False),
    _p("TG-CP-001", "Ultralight 2P Tent", "Camping", 249.00, 0.58, 1, "capacity=2", 1.6, 0.04, 35, consumable=False,
       season="summer"),
    _p("TG-CP-002", "Down Sleeping Bag 20F", "Camping", 199.00, 0.56, 1, "rating=20F", 1.4, 0.04, 35, consumable=False),
    _p("TG-CP-003", "Inflatable Sleeping Pad", "Camping", 79.00, 0.50, 1, "R=4.2", 2.0, 0.05, 28, consumable=False),
    _p("TG-CP-004", "Compact Camp Stove", "Camping", 49.00, 0.48, 1, "", 2.4, 0.03, 21, consumable=False,
       season="summer"),
    _p("TG-CP-005", "Titanium Cookset", "Camping", 59.00, 0.50, 1, "", 1.4, 0.03, 28, consumable=False),
    _p("TG-AP-001", "Merino Base Layer Top", "Apparel", 75.00, 0.48, 1, "material=merino", 3.0, 0.09, 21,
       consumable=False, season="winter"),
    _p("TG-AP-002", "Rain Shell Jacket", "Apparel", 139.00, 0.50, 1, "waterproof", 2.4, 0.09, 28, consumable=False),
    _p("TG-AP-003", "Fleece Midlayer", "Apparel", 69.00, 0.46, 1, "", 2.2, 0.08, 21, consumable=False,
       season="winter"),
    _p("TG-AP-004", "Hiking Socks 3-Pack", "Apparel", 24.00, 0.45, 3, "pack=3", 5.0, 0.02, 14),
    _p("TG-AP-005", "Sun Hoodie", "Apparel", 55.00, 0.46, 1, "UPF50", 2.0, 0.08, 21, consumable=False, season="summer"),
    _p("TG-AC-001", "Trekking Poles (pair)", "Accessories", 89.00, 0.50, 2, "pack=2", 1.8, 0.04, 21, consumable=False),
    _p("TG-AC-002", "Headlamp 400lm", "Accessories", 35.00, 0.45, 1, "400 lumen", 3.2, 0.03, 14, consumable=False),
    _p("TG-AC-003", "Insulated Water Bottle 32oz", "Accessories", 32.00, 0.45, 1, "volume=32oz", 3.5, 0.03, 14,
       consumable=False),
    _p("TG-AC-004", "Squeeze Water Filter", "Accessories", 39.00, 0.47, 1, "", 2.4, 0.03, 14, consumable=False),
    _p("TG-AC-005", "Trail First Aid Kit", "Accessories", 29.00, 0.45, 1, "", 1.8, 0.02, 14),
    _p("TG-AC-006", "Dry Bag 20L", "Accessories", 25.00, 0.45, 1, "volume=20L", 1.6, 0.03, 14, consumable=False),
    _p("TG-NU-001", "Energy Chews 12-Pack", "Nutrition", 28.00, 0.50, 12, "pack=12", 3.0, 0.01, 10),
    _p("TG-NU-002", "Freeze-Dried Meal Variety 6-Pack", "Nutrition", 54.00, 0.52, 6, "pack=6", 2.0, 0.01, 14),
    _p("TG-GF-001", "Trail Gift Box", "Gifts", 65.00, 0.50, 1, "gift box", 0.6, 0.02, 14, consumable=False, gift=True),
)

OUTDOOR = SellerSpec(
    seller_id="outdoor_us", name="Trailhead Gear", currency="USD", timezone="America/Los_Angeles", language="en",
    country="US", holiday_country="US", orders_per_day=38, guest_share=0.09,
    purchase_rate_mean=1 / 200, purchase_rate_shape=0.6, lifetime_mean_days=300,
    weekly=US_WEEKLY, hourly_weekday=US_HOURLY_WEEKDAY, hourly_weekend=US_HOURLY_WEEKEND,
    season_amplitude=0.30, season_peak_doy=165, growth_per_year=0.12,
    products=OUTDOOR_PRODUCTS,
    shipping_sku="SHIP-US", shipping_name="Shipping", shipping_fee=7.95, free_shipping_from=50.0,
    first_order_coupon=10.0,
    channels=(
        Channel("search", "google", "organic", 0.30, 0.022),
        Channel("search", "bing", "organic", 0.04, 0.02),
        Channel("direct", "(direct)", "(none)", 0.16, 0.05),
        Channel("social", "instagram", "social", 0.07, 0.008),
        Channel("referral", "rei-forum.example", "referral", 0.05, 0.025),
        Channel("email", "newsletter", "email", 0.10, 0.045),
    ),
    ads_order_share=0.28,
    ads=(
        AdRow("google_ads", "Search - Backpacks", "Daypacks", "hiking backpack", "Backpacks", 1.60, 3.2, 0.12, 0.035),
        AdRow("google_ads", "Search - Backpacks", "Daypacks", "daypack", "Backpacks", 1.20, 3.6, 0.07, 0.04),
        AdRow("google_ads", "Search - Footwear", "Trail Runners", "trail running shoes", "Footwear", 2.20, 2.6, 0.14,
              0.03),
        AdRow("google_ads", "Search - Footwear", "Boots", "hiking boots", "Footwear", 2.40, 2.4, 0.08, 0.028),
        AdRow("google_ads", "Search - Brand", "Brand", "trailhead gear", "", 0.60, 6.0, 0.12, 0.09),
        AdRow("google_ads", "Shopping - All Products", "All", "", "", 0.90, 4.0, 0.22, 0.012),
        AdRow("meta_ads", "Prospecting - Hikers", "Interest", "", "", 1.10, 1.6, 0.12, 0.009),
        AdRow("meta_ads", "Retargeting - Cart", "Cart abandoners", "", "", 0.95, 3.8, 0.13, 0.014),
    ),
    keywords=(
        Keyword("hiking backpack", "Backpacks", 6), Keyword("daypack", "Backpacks", 3),
        Keyword("trail running shoes", "Footwear", 7), Keyword("hiking boots", "Footwear", 5),
        Keyword("ultralight tent", "Camping", 3), Keyword("sleeping bag", "Camping", 3),
        Keyword("camp stove", "Camping", 2), Keyword("rain jacket", "Apparel", 4),
        Keyword("merino base layer", "Apparel", 2.5), Keyword("hiking socks", "Apparel", 2),
        Keyword("trekking poles", "Accessories", 2), Keyword("headlamp", "Accessories", 2.5),
        Keyword("water filter", "Accessories", 2), Keyword("freeze dried meals", "Nutrition", 2),
        Keyword("trailhead gear", None, 4),
    ),
    promotions=(),
    mobile_share=0.60,
    store_channels=(("online_store", 1.0),),
    grades=("VIP", "Gold", "Silver", "New"),
    return_reasons=US_RETURN_REASONS, exchange_reasons=US_EXCHANGE_REASONS, cancel_reasons=US_CANCEL_REASONS,
    damage_reason="damaged",
)

SELLERS: tuple[SellerSpec, ...] = (PETSHOP, COFFEE, OUTDOOR)
DEMO_SELLER_IDS: tuple[str, ...] = tuple(s.seller_id for s in SELLERS)

# Injected incidents, in days before `now` (local midnight of that day). outdoor_us has none: it is the control.
PETSHOP_SALES_DROP_DAYS = 3           # organic/direct/social orders keep only this share from then on:
PETSHOP_SALES_DROP_KEEP = 0.30        # with ~22 % ads orders unaffected, store-wide orders fall ~55 %
PETSHOP_AD_COLLAPSE_DAYS = 5
PETSHOP_AD_COLLAPSE_CAMPAIGN = "파워링크_간식"
PETSHOP_AD_COLLAPSE_KEEP = 0.2        # conversions fall 80 %, clicks and spend stay
PETSHOP_RETURNS_SPIKE_DAYS = 10
PETSHOP_RETURNS_SPIKE_SKU = "PET-HY-001"   # 고양이 두부모래 7L: bags arrive torn
PETSHOP_RETURNS_SPIKE_FACTOR = 5.0
PETSHOP_STOCK_OUT_DAYS = 6
PETSHOP_STOCK_OUT_SKU = "PET-FD-001"       # 그레인프리 연어 고양이 사료 2kg
PETSHOP_UNMET_KEYWORD = "소포장"
COFFEE_STOCK_OUT_DAYS = 4
COFFEE_STOCK_OUT_SKU = "CF-BN-001"         # 에티오피아 예가체프 G1 200g
DECAY_ROAS_END = 0.25                  # a 'decay' campaign ends the year at this share of its starting ROAS
