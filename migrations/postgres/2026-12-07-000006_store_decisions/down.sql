DROP FUNCTION accord_store_decisions;
