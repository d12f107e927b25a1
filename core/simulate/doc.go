// Package simulate generates image time series of fluorescent particles
// diffusing in two dimensions with a barrier: a diagonal channel whose
// walls the particles cannot cross. Particles are imaged through a Gaussian
// point spread function with Poisson (shot) noise and optional exponential
// photobleaching, optionally carried by a uniform flow (Options.FlowU,
// FlowV) and seen in two channels with independent photon noise
// (RunTwoChannels). The output is deterministic for a given seed and does
// not depend on the number of threads.
//
// It is the kind of data the pCF was made for (Digman and Gratton 2009,
// doi:10.1016/j.bpj.2009.04.048): along the channel the pair correlation
// shows a delayed peak, across its wall none.
package simulate
