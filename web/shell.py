"""The application shell every page shares: one navigation, the user with their role, logout,
the language switch, and the settings the pages' scripts read (time zone, deadline warning).

Pages extend ``templates/base.html``, which reads `shell_context` (installed app-wide by the
map blueprint, so no page has to pass it). A link appears when its endpoint exists on this
app and the user may use it; ``DEADLINE_WARNING_SHARE`` (default 0.8) is the share of a case's
time limit after which its deadline turns yellow.

>>> [item.endpoint for item in NAV][:3]
['map.index', 'cases.list_page', 'cases.my_reports']
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for

from registry.users import ROLE_LABELS
from web.auth.identity import current_user
from web.map.i18n import language

#: Where a case's deadline turns yellow: this share of its time limit has passed.
DEADLINE_WARNING_SHARE = 0.8


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    zh: str
    en: str
    #: The permission a user needs to see the link ("" = anyone who may read).
    permission: str = ""


NAV: tuple[NavItem, ...] = (
    NavItem("map.index", "地图", "Map"),
    NavItem("cases.list_page", "案件", "Cases"),
    NavItem("cases.my_reports", "我的上报", "My reports", "report"),
    NavItem("cases.ranking_page", "考评排名", "Ranking"),
    NavItem("plan_pages.index", "维修计划", "Plans"),
    NavItem("gas.dashboard", "燃气改造", "Gas"),
    NavItem("imports.page", "数据导入", "Imports", "import"),
    NavItem("admin.audit", "审计日志", "Audit", "admin"),
)
TEXT = {
    "zh": {"brand": "城市部件普查", "logout": "退出登录", "login": "登录", "guest": "未登录",
           "menu": "菜单", "other_language": "English"},
    "en": {"brand": "Infrastructure census", "logout": "Log out", "login": "Log in",
           "guest": "Not logged in", "menu": "Menu", "other_language": "中文"},
}
#: English names of the roles (the Chinese ones are the registry's ROLE_LABELS).
ROLES_EN = {"viewer": "Viewer", "inspector": "Inspector", "crew": "Field crew",
            "planner": "Planner", "engineer": "Engineer", "data_manager": "Data manager",
            "admin": "Administrator"}


def shell_context() -> dict[str, Any]:
    """``shell`` for ``base.html``: the links, the user, the strings and the page settings."""
    lang = language(request.args)
    user = current_user()
    return {"shell": {
        "lang": lang, "text": TEXT[lang], "nav": nav_links(user, lang), "user": _user(user, lang),
        "other_language": _switched_language(lang),
        "settings": {"lang": lang, "time_zone": "Asia/Shanghai",
                     "deadline_warning_share": float(current_app.config.get(
                         "DEADLINE_WARNING_SHARE", DEADLINE_WARNING_SHARE))},
    }}


def nav_links(user: Any, lang: str) -> list[dict[str, Any]]:
    """The links this user sees, the current page's marked."""
    endpoints = current_app.view_functions
    may = user.permissions if user is not None else None
    return [{"label": item.zh if lang == "zh" else item.en,
             "href": url_for(item.endpoint, lang=lang), "endpoint": item.endpoint,
             "current": request.endpoint == item.endpoint}
            for item in NAV if item.endpoint in endpoints
            and (not item.permission or may is None or item.permission in may)]


def _user(user: Any, lang: str) -> dict[str, str] | None:
    if user is None:
        return None
    roles = [ROLE_LABELS.get(r, r) if lang == "zh" else ROLES_EN.get(r, r) for r in user.roles]
    return {"name": user.display_name or user.name, "roles": "、".join(roles) if lang == "zh"
            else ", ".join(roles)}


def _switched_language(lang: str) -> str:
    """This page's address in the other language, its other arguments kept."""
    args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}),
                            "lang": "en" if lang == "zh" else "zh"}
    return url_for(request.endpoint or "map.index", **args)
