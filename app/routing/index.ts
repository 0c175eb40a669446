export { decideAfter, decideBefore, DEFAULT_POLICY, EarlyMonitor, scoreReply, type BeforeContext, type Decision, type EscalationMode, type Route, type RoutingPolicy, type Score } from './policy.js';
