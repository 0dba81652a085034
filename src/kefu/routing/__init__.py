"""ACD: skills-based routing of conversations to agents, service levels and staffing.

No web and no database here: the engine is built from plain data (:mod:`.config`, :mod:`.model`),
driven by calls and timers (:mod:`.scheduler`), and reports decisions to a listener
(:mod:`.listener`). Erlang C/A staffing lives in :mod:`.erlang` and :mod:`.staffing`; the
discrete-event simulator in :mod:`.simulation`.
"""

from kefu.routing.config import (
    AgentSpec,
    BusinessHours,
    QueueConfig,
    RoutingConfig,
    RoutingRule,
    WideningStep,
    load_agent,
    load_config,
)
from kefu.routing.engine import AgentStatus, ConversationStatus, QueueFull, RoutingEngine
from kefu.routing.erlang import QueuePrediction, erlang_a, erlang_c, predict, required_agents
from kefu.routing.listener import CollectingListener, ListenerBase, RoutingListener
from kefu.routing.metrics import AgentMetrics, QueueMetrics
from kefu.routing.model import (
    AgentSnapshot,
    Assignment,
    ConversationRequest,
    EngineSnapshot,
    WaitingConversation,
)
from kefu.routing.scheduler import AsyncioScheduler, Scheduler, SimulationScheduler, TimerHandle
from kefu.routing.snapshot import restore_engine, take_snapshot
from kefu.routing.staffing import StaffingAdvisor, StaffingRecommendation

__all__ = [
    "AgentMetrics",
    "AgentSnapshot",
    "AgentSpec",
    "AgentStatus",
    "Assignment",
    "AsyncioScheduler",
    "BusinessHours",
    "CollectingListener",
    "ConversationRequest",
    "ConversationStatus",
    "EngineSnapshot",
    "ListenerBase",
    "QueueConfig",
    "QueueFull",
    "QueueMetrics",
    "QueuePrediction",
    "RoutingConfig",
    "RoutingEngine",
    "RoutingListener",
    "RoutingRule",
    "Scheduler",
    "SimulationScheduler",
    "StaffingAdvisor",
    "StaffingRecommendation",
    "TimerHandle",
    "WaitingConversation",
    "WideningStep",
    "erlang_a",
    "erlang_c",
    "load_agent",
    "load_config",
    "predict",
    "required_agents",
    "restore_engine",
    "take_snapshot",
]
