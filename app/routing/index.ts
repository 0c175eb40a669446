export { predictLearned, promptFeatures, type PromptFeatures } from './learned.js';
export { signalValue, MIN_MEAN_LOGP, type SignalName } from './signals.js';
export { decideAfter, decideBefore, DEFAULT_POLICY, EarlyMonitor, scoreReply, type BeforeContext, type Decision, type EscalationMode, type Route, type RoutingPolicy, type Score } from './policy.js';
