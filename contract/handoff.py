"""Handoff reasons, conversation states and closing dispositions (policy, actions, service, console)."""

from __future__ import annotations

from typing import Dict, Tuple

# Why the bot handed a conversation to a person (the policy decides, the service files it).
UPSET = "upset"
LOW_CONFIDENCE = "low_confidence"
REQUEST_HUMAN = "request_human"
COMPLAIN = "complain"
ERRAND_FAILED = "errand_failed"
BACKEND_DOWN = "backend_down"
REASONS: Tuple[str, ...] = (UPSET, LOW_CONFIDENCE, REQUEST_HUMAN, COMPLAIN, ERRAND_FAILED, BACKEND_DOWN)

# Reasons as an agent reads them (console queue, summary of the handoff package).
REASON_LABELS: Dict[str, str] = {
    REQUEST_HUMAN: "客户要求人工",
    COMPLAIN: "客户投诉",
    UPSET: "客户情绪激动",
    LOW_CONFIDENCE: "机器人连续未能理解",
    ERRAND_FAILED: "业务连续办理失败",
    BACKEND_DOWN: "系统故障",
}
# The same, short, for the console's queue and badges.
REASON_SHORT_LABELS: Dict[str, str] = {
    UPSET: "情绪激动",
    LOW_CONFIDENCE: "机器人未能理解",
    REQUEST_HUMAN: "客户要求人工",
    COMPLAIN: "投诉",
    ERRAND_FAILED: "业务办理失败",
    BACKEND_DOWN: "系统故障",
}

# Who holds a conversation (handoff/API.md): BOT → QUEUED → AGENT → BOT | CLOSED.
BOT = "BOT"
QUEUED = "QUEUED"
AGENT = "AGENT"
CLOSED = "CLOSED"
STATES: Tuple[str, ...] = (BOT, QUEUED, AGENT, CLOSED)
STATE_LABELS: Dict[str, str] = {BOT: "机器人接待", QUEUED: "排队中", AGENT: "人工接待中", CLOSED: "已结束"}

# How an agent closed a conversation.
DISPOSITIONS: Tuple[str, ...] = ("resolved", "unresolved", "duplicate", "spam")
DISPOSITION_LABELS: Dict[str, str] = {
    "resolved": "已解决",
    "unresolved": "未解决",
    "duplicate": "重复会话",
    "spam": "骚扰/垃圾信息",
}

# Who said a transcript line.
ROLE_LABELS: Dict[str, str] = {"customer": "客户", "bot": "小蜜", "agent": "客服", "system": "系统"}
# Agent accounts' roles.
AGENT_ROLE_LABELS: Dict[str, str] = {"agent": "客服", "supervisor": "主管"}
SENTIMENT_LABELS: Dict[str, str] = {"negative": "负面", "neutral": "中性", "positive": "正面"}
