"""The case life cycle of GB/T 30428 as a state machine: which move is allowed from which state.

信息收集 reported → 立案 registered → 派遣 dispatched → 处置 handled → 核查 verified → 结案 closed,
with 不予立案 (a report that is not a case), 挂起 suspend / 恢复 resume (the clock stops in
between), 返工 rework (verification failed: back to the department), 延期 extend (more working
time, the state stays) and 非正常结案 abnormal close. Anything else is refused with a Conflict
that names the state and the move.

>>> next_state("reported", "register")
'registered'
>>> next_state("suspended", "resume", resume_to="dispatched")
'dispatched'
>>> next_state("reported", "close")
Traceback (most recent call last):
registry.errors.Conflict: case is 信息收集 (reported): cannot 结案 (close); allowed: 立案 register, 不予立案 discard
"""
from __future__ import annotations

from dataclasses import dataclass

from registry.errors import Conflict, InvalidInput

#: Every state with the label users know.
STATES = {
    "reported": "信息收集", "registered": "立案", "dispatched": "派遣", "handled": "处置",
    "verified": "核查", "closed": "结案", "suspended": "挂起", "abnormal": "非正常结案",
    "discarded": "不予立案",
}
#: States a case never leaves.
FINAL = frozenset({"closed", "abnormal", "discarded"})
#: States in which the department's clock runs (after 立案, before 处置, not suspended).
RUNNING = frozenset({"registered", "dispatched"})

_OPEN = ("registered", "dispatched", "handled", "verified", "suspended")


@dataclass(frozen=True)
class Move:
    """A transition: its label, the states it may start from and where it leads.

    `target` None means the state does not change (延期) or returns to where the case was
    before it was suspended (恢复).
    """

    zh: str
    sources: tuple[str, ...]
    target: str | None


#: Moves a department or dispatcher only requests; a supervisor (值班长) approves or refuses.
APPROVABLE = frozenset({"extend", "suspend", "close_abnormal"})
#: The supervisor's answers to a pending request.
DECISIONS = {"approve": "批准", "refuse": "驳回"}

MOVES = {
    "register": Move("立案", ("reported",), "registered"),
    "discard": Move("不予立案", ("reported",), "discarded"),
    "dispatch": Move("派遣", ("registered",), "dispatched"),
    "handle": Move("处置", ("dispatched",), "handled"),
    "verify": Move("核查", ("handled",), "verified"),
    "rework": Move("返工", ("handled",), "dispatched"),
    "close": Move("结案", ("verified",), "closed"),
    "suspend": Move("挂起", ("registered", "dispatched"), "suspended"),
    "resume": Move("恢复", ("suspended",), None),
    "extend": Move("延期", ("registered", "dispatched"), None),
    "close_abnormal": Move("非正常结案", _OPEN, "abnormal"),
}


def next_state(state: str, move: str, resume_to: str | None = None, name: str = "case") -> str:
    """The state after `move`; Conflict (naming the case `name`) if `state` does not allow it."""
    if move not in MOVES:
        raise InvalidInput(f"unknown move {move!r}; moves: {', '.join(MOVES)}")
    rule = MOVES[move]
    if state not in rule.sources:
        raise Conflict(f"{name} is {STATES[state]} ({state}): cannot {rule.zh} ({move}); "
                       f"allowed: {allowed_text(state)}")
    if rule.target is not None:
        return rule.target
    return (resume_to or state) if move == "resume" else state


def next_moves(state: str, pending: bool) -> list[str]:
    """What can be done next: the approvals while a request waits, else the allowed moves.

    >>> next_moves("dispatched", pending=True)
    ['approve', 'refuse', 'handle']
    """
    if not pending:
        return allowed(state)
    return [*DECISIONS, *(m for m in allowed(state) if m not in APPROVABLE)]


def allowed(state: str) -> list[str]:
    """The moves allowed from `state`, in life-cycle order.

    >>> allowed("handled")
    ['verify', 'rework', 'close_abnormal']
    """
    return [name for name, rule in MOVES.items() if state in rule.sources]


def allowed_text(state: str) -> str:
    return ", ".join(f"{MOVES[m].zh} {m}" for m in allowed(state)) or "nothing (final state)"
