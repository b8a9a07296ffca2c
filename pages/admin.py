"""Admin page (admins only): users, their roles and granted stores, passwords, API tokens, and the settings."""

import polars as pl
import streamlit as st

from analytics.i18n import t
from data import settings, users
from data.users import ROLES
from pages import _ui

filters = _ui.current_filters()
lang = filters.lang
st.title(t("page.admin", lang))
if filters.user is None or filters.user.role != "admin":
    st.error(t("admin.only", lang))
    st.stop()

FLASH_KEY = "admin_flash"
if FLASH_KEY in st.session_state:          # what the previous run did (it reran so the lists below are fresh)
    st.success(st.session_state.pop(FLASH_KEY))
known = users.load_users()
stores = _ui.cached_sellers(filters.all_stores_ref)
store_names = dict(zip(stores["seller_id"].to_list(), stores["name"].to_list(), strict=True))
st.dataframe(pl.DataFrame({
    t("admin.user", lang): list(known),
    t("admin.name", lang): [u.name for u in known.values()],
    t("admin.role", lang): [t(f"role.{u.role}", lang) for u in known.values()],
    t("admin.stores", lang): [", ".join(store_names.get(s, s) if s != users.ALL_SELLERS else t("admin.all", lang)
                                        for s in u.sellers) for u in known.values()],
    t("admin.token", lang): ["✓" if u.api_token_sha256 else "" for u in known.values()],
}), hide_index=True)
if _ui.demo_accounts_active():            # bcrypt checks, cached until the users file changes
    st.warning(t("admin.demo_warning", lang))

st.subheader(t("admin.edit", lang))
with st.form("admin_user"):
    username = st.text_input(t("admin.user", lang), key="admin_username")
    name = st.text_input(t("admin.name", lang), key="admin_name")
    role = st.selectbox(t("admin.role", lang), ROLES, key="admin_role", format_func=lambda r: t(f"role.{r}", lang))
    granted = st.multiselect(t("admin.stores", lang), [users.ALL_SELLERS, *store_names], key="admin_stores",
                             format_func=lambda s: t("admin.all", lang) if s == users.ALL_SELLERS else store_names[s])
    password = st.text_input(t("admin.password", lang), type="password", key="admin_password",
                             help=t("admin.password_help", lang))
    if st.form_submit_button(t("admin.save", lang)):
        try:
            users.upsert_user(username, name=name, role=role, sellers=granted, password=password or None)
        except ValueError as exc:
            st.error(str(exc))
        else:
            st.session_state[FLASH_KEY] = t("admin.saved", lang, user=username)
            st.rerun()

left, right = st.columns(2)
target = left.selectbox(t("admin.user", lang), list(known), key="admin_target")
if left.button(t("admin.new_token", lang), key="admin_new_token"):
    token = users.issue_api_token(target)
    st.info(t("admin.token_once", lang))
    st.code(token, language=None)
if right.button(t("admin.remove", lang), key="admin_remove"):
    try:
        users.remove_user(target)
    except ValueError as exc:
        st.error(str(exc))
    else:
        st.session_state[FLASH_KEY] = t("admin.removed", lang, user=target)
        st.rerun()

st.subheader(t("admin.settings", lang))
st.dataframe(pl.DataFrame(settings.describe()), hide_index=True)
