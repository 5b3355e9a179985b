-- The Go tool's version 7 (analytics_dashboard_schema): the engine's analytics dashboard.
-- Not ours, but its foreign keys point into ours (accounts, users). Built on top of the
-- Go tool's version 1 (go_initial_schema.sql), as the Go tool would: TIMESTAMP columns
-- named "timestamp", BIGSERIAL ids, two materialized views with unique indexes, and two
-- triggers sharing one function. A few rows in each table.

CREATE TABLE IF NOT EXISTS routing_metrics (
    id BIGSERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    symbol VARCHAR(50) NOT NULL,
    routing_decision VARCHAR(50) NOT NULL,
    lp_name VARCHAR(50),
    volume DECIMAL(20,5) NOT NULL DEFAULT 0,
    latency_ms INT
);
CREATE INDEX IF NOT EXISTS idx_routing_metrics_timestamp ON routing_metrics(timestamp);
CREATE INDEX IF NOT EXISTS idx_routing_metrics_account_id ON routing_metrics(account_id);

CREATE TABLE IF NOT EXISTS lp_performance (
    id BIGSERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    lp_name VARCHAR(50) NOT NULL,
    symbol VARCHAR(50) NOT NULL,
    fill_rate DECIMAL(5,4),
    avg_slippage DECIMAL(20,10),
    avg_latency_ms INT,
    rejections INT DEFAULT 0
);

CREATE TABLE IF NOT EXISTS exposure_snapshots (
    id BIGSERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    symbol VARCHAR(50) NOT NULL,
    net_exposure DECIMAL(20,5) NOT NULL,
    gross_exposure DECIMAL(20,5) NOT NULL
);

CREATE TABLE IF NOT EXISTS rule_effectiveness (
    id BIGSERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    rule_name VARCHAR(255) NOT NULL,
    triggered_count BIGINT DEFAULT 0,
    pnl_impact DECIMAL(20,5),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS alerts (
    id BIGSERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    alert_type VARCHAR(100) NOT NULL,
    severity VARCHAR(50) NOT NULL,
    message TEXT NOT NULL,
    acknowledged BOOLEAN DEFAULT FALSE
);

CREATE TABLE IF NOT EXISTS analytics_export_audit (
    id BIGSERIAL PRIMARY KEY,
    timestamp TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    export_type VARCHAR(50) NOT NULL,
    row_count BIGINT
);

CREATE TABLE IF NOT EXISTS analytics_user_preferences (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT UNIQUE NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    preferences JSONB NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE MATERIALIZED VIEW IF NOT EXISTS lp_performance_hourly AS
SELECT date_trunc('hour', timestamp) AS hour, lp_name, symbol,
       avg(fill_rate) AS fill_rate, avg(avg_latency_ms) AS latency_ms, count(*) AS samples
FROM lp_performance GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX IF NOT EXISTS idx_lp_performance_hourly
    ON lp_performance_hourly(hour, lp_name, symbol);

CREATE MATERIALIZED VIEW IF NOT EXISTS routing_metrics_daily AS
SELECT date_trunc('day', timestamp) AS day, routing_decision, symbol,
       count(*) AS decisions, sum(volume) AS volume
FROM routing_metrics GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX IF NOT EXISTS idx_routing_metrics_daily
    ON routing_metrics_daily(day, routing_decision, symbol);

CREATE OR REPLACE FUNCTION update_analytics_timestamp() RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_rule_effectiveness_timestamp
    BEFORE UPDATE ON rule_effectiveness
    FOR EACH ROW EXECUTE FUNCTION update_analytics_timestamp();
CREATE TRIGGER update_analytics_user_preferences_timestamp
    BEFORE UPDATE ON analytics_user_preferences
    FOR EACH ROW EXECUTE FUNCTION update_analytics_timestamp();

INSERT INTO routing_metrics (timestamp, account_id, symbol, routing_decision, lp_name, volume, latency_ms)
SELECT '2026-03-29 08:42:00', id, 'EURUSD', 'ABOOK', 'LP1', 1.5, 12 FROM accounts;
INSERT INTO lp_performance (timestamp, lp_name, symbol, fill_rate, avg_slippage, avg_latency_ms)
VALUES ('2026-03-29 08:00:00', 'LP1', 'EURUSD', 0.9876, 0.0000123, 14);
INSERT INTO exposure_snapshots (timestamp, symbol, net_exposure, gross_exposure)
VALUES ('2026-03-29 08:00:00', 'EURUSD', -2.5, 7.5);
INSERT INTO rule_effectiveness (rule_name, triggered_count, pnl_impact)
VALUES ('max-exposure', 3, -120.5);
INSERT INTO alerts (account_id, alert_type, severity, message)
SELECT id, 'EXPOSURE', 'HIGH', 'exposure above limit' FROM accounts;
INSERT INTO analytics_export_audit (user_id, export_type, row_count)
SELECT id, 'CSV', 42 FROM users;
INSERT INTO analytics_user_preferences (user_id, preferences)
SELECT id, '{"theme": "dark"}' FROM users;
REFRESH MATERIALIZED VIEW lp_performance_hourly;
REFRESH MATERIALIZED VIEW routing_metrics_daily;
