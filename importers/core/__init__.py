"""What every adapter shares: import runs and their checkpoints (``runs``), reading sources
safely in constant memory (``sources``), record versions, the idempotence key
(``record_versions``), batching with read-ahead (``batching``), the garbage-collector tuning
(``gc_tuning``), names' search keys (``name_keys``), the ownership writer and the adapter
protocol (``adapter``)."""
