//! Nothing to ship: this package exists for its tests (tests/liboqs.rs), which check pqpsk's IVPN
//! suites against liboqs, an implementation nobody on this project wrote.
