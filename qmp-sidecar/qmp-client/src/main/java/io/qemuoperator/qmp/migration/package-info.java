/**
 * The QMP commands of a live migration, beyond the seed schema: their names and arguments, built
 * from checked values in one place for every caller (the sidecar's migration API, the tests'
 * driver).
 */
package io.qemuoperator.qmp.migration;
