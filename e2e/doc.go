// Package e2e holds tests that run benkan as the operators do: the built
// binary, as several processes on one database, talked to over HTTP. They
// check what no in-process test can, such as a policy change made through
// one process holding on another. It has no code of its own.
package e2e
