-- Representative rows for every legacy table, awkward ones included: NULLs, the largest
-- decimals the columns hold, non-ASCII text, JSON with quotes, timestamps around the DST
-- changes of Europe (2026-03-29 01:00 UTC, 2026-10-25 01:00 UTC). Every row passes the
-- CHECKs of both the Go schema and ours, so the same rows serve both.
INSERT INTO trading_groups (id, name, description, execution_mode, markup, commission,
    max_leverage, default_balance, margin_mode, status, created_at, updated_at, created_by) VALUES
    (1, 'default', NULL, 'BBOOK', 0, 0, 100, 10000, 'HEDGING', 'ACTIVE',
     '2026-03-29 00:59:59', '2026-03-29 01:00:00', NULL),
    (2, 'Ünïcode "VIP" 顧客', 'line 1
line 2 with a tab	and a backslash \', 'HYBRID', 99999.99999, 99999999.99, 1000,
     999999999999999.99999, 'NETTING', 'ACTIVE', '2026-10-25 00:59:59', '2026-10-25 01:00:01', 'SYSTEM');
INSERT INTO users (id, username, email, password_hash, full_name, group_id, status, kyc_level,
    created_at, updated_at, last_login) VALUES
    (1, 'alice', 'alice@example.com', '$2a$10$abcdefghijklmnopqrstuv', 'Alice Ångström', 1,
     'ACTIVE', 2, '2026-03-29 01:30:00', '2026-03-29 01:30:00', '2026-10-25 01:30:00'),
    (2, 'bob', 'bob@example.com', 'x', NULL, NULL, NULL, NULL, '2000-01-01 00:00:00',
     '2000-01-01 00:00:00', NULL),
    (3, 'grp7', 'no-such-group@example.com', 'x', '', 7, 'SUSPENDED', 0,
     '2026-11-25 12:00:00', '2026-11-25 12:00:00', NULL);
INSERT INTO accounts (id, user_id, account_number, account_type, currency, balance, equity,
    margin, free_margin, margin_level, leverage, credit, peak_equity, status, created_at,
    updated_at) VALUES
    (1, 1, 'ACC-1', 'LIVE', 'EUR', 999999999999999.99999, -999999999999999.99999, 0.00001,
     12345.6789, 99999999.99, 500, NULL, NULL, 'ACTIVE', '2026-03-29 02:30:00',
     '2026-03-29 02:30:00'),
    (2, 2, 'ACC-2', 'DEMO', 'USD', 0, 0, 0, 0, NULL, 1, 0, 0, NULL, '2026-10-25 01:59:59',
     '2026-10-25 02:00:00');
INSERT INTO positions (id, account_id, symbol, side, volume, open_price, current_price,
    unrealized_pnl, realized_pnl, swap, commission, stop_loss, take_profit, open_time,
    close_time, close_price, status, magic_number, comment) VALUES
    (1, 1, 'EURUSD', 'BUY', 1.5, 1.0845000001, 1.0850000000, 75.5, 0, -1.25, 3, NULL, NULL,
     '2026-03-29 00:30:00', NULL, NULL, 'OPEN', 9223372036854775807, 'a "quoted" comment'),
    (2, 1, 'XAUUSD', 'SELL', 0.01, 9999999999.9999999999, NULL, NULL, NULL, NULL, NULL,
     0.0000000001, 1, '2026-10-25 00:30:00', '2026-10-25 03:30:00', 2000, 'CLOSED', NULL, NULL);
INSERT INTO orders (id, account_id, client_order_id, lp_order_id, symbol, side, order_type,
    volume, price, stop_loss, take_profit, execution_mode, selected_lp, status, reject_reason,
    created_at, updated_at, executed_at, magic_number, comment) VALUES
    (1, 1, 'cli-1', 'lp-1', 'EURUSD', 'BUY', 'MARKET', 1.5, 1.0845, NULL, NULL, 'ABOOK', 'LMAX',
     'FILLED', NULL, '2026-03-29 00:29:59', '2026-03-29 00:30:00', '2026-03-29 00:30:00', 42,
     'ünïcode'),
    (2, 1, NULL, NULL, 'XAUUSD', 'SELL', 'LIMIT', 0.01, 2000, NULL, NULL, NULL, NULL,
     'REJECTED', 'price moved; "slippage"', '2026-10-25 00:00:00', '2026-10-25 00:00:00',
     NULL, NULL, NULL),
    (3, 2, 'cli-3', NULL, 'GBPUSD', 'BUY', 'STOP', 100000, NULL, 1.1, 1.3, 'BBOOK', NULL,
     'PENDING', NULL, '2026-11-25 12:00:00', '2026-11-25 12:00:00', NULL, NULL, NULL);
INSERT INTO trades (id, order_id, position_id, account_id, symbol, side, volume, price,
    commission, swap, pnl, trade_type, execution_mode, lp_name, executed_at, magic_number,
    comment) VALUES
    (1, 1, 1, 1, 'EURUSD', 'BUY', 1.5, 1.0845000001, 3, 0, 0, 'OPEN', 'ABOOK', 'LMAX',
     '2026-03-29 00:30:00', 42, NULL),
    (2, NULL, NULL, 1, 'XAUUSD', 'SELL', 0.01, 2000, NULL, NULL, -999999999999999.99999,
     'CLOSE', NULL, NULL, '2026-10-25 01:30:00', NULL, 'orphaned fill');
INSERT INTO order_history (id, account_id, symbol, side, volume, price, order_time) VALUES
    (1, 1, 'EURUSD', 'BUY', 1.5, 1.0845, '2026-03-29 00:30:00'),
    (2, 2, 'GBPUSD', 'SELL', 0.00001, 9999999999.9999999999, '2026-10-25 01:00:00');
INSERT INTO admin_users (id, username, email, password_hash, role, ip_whitelist, status,
    created_at, updated_at, last_login, created_by) VALUES
    (1, 'root', 'root@example.com', '$2b$10$abcdefghijklmnopqrstuv', 'super_admin',
     ARRAY['10.0.0.0/8', '192.0.2.7'], 'ACTIVE', '2026-03-29 01:00:00', '2026-03-29 01:00:00',
     NULL, 'SYSTEM'),
    (2, 'helpdesk', 'help@example.com', 'x', 'support', NULL, 'DISABLED', '2026-10-25 01:00:00',
     '2026-10-25 01:00:00', '2026-10-25 01:00:00', NULL);
INSERT INTO admin_audit_log (id, admin_id, admin_username, action, resource_type, resource_id,
    details, reason, ip_address, user_agent, status, error_message, created_at) VALUES
    (1, 1, 'root', 'update', 'accounts', 1,
     '{"changes": {"balance": {"before": "1.00000", "after": "2.00000"}}, "note": "say \"hi\" – ünï"}',
     'fix', '192.0.2.7', 'Mozilla/5.0', 'SUCCESS', NULL, '2026-03-29 01:00:00'),
    (2, NULL, 'ghost', 'login_failed', 'admin_session', NULL, NULL, NULL, NULL, NULL,
     'FAILED', 'wrong password', '2026-10-25 01:00:00');
INSERT INTO risk_alerts (id, account_id, alert_type, severity, message, acknowledged,
    acknowledged_at, acknowledged_by, created_at) VALUES
    ('alert-1', 1, 'MARGIN_CALL', 'CRITICAL', 'margin level 49.99%', FALSE, NULL, NULL,
     '2026-03-29 01:00:00'),
    ('alert-2', NULL, 'EXPOSURE', 'low', 'ünïcode message', NULL, '2026-10-25 01:00:00', 'root',
     '2026-10-25 00:00:00');
INSERT INTO liquidation_events (id, account_id, trigger_reason, margin_level_before,
    positions_closed, total_pnl, slippage, executed_at) VALUES
    ('liq-1', 1, 'margin level below 50%', 49.99, '[{"id": 2, "symbol": "XAUUSD"}]',
     -123.45678, 0.00001, '2026-10-25 01:00:00'),
    ('liq-2', 2, 'manual', NULL, NULL, NULL, NULL, '2026-03-29 01:00:00');
INSERT INTO fix_credentials (user_id, sender_comp_id, password_encrypted, rate_limit_tier,
    max_sessions, allowed_ips, expires_at, status, created_at, updated_at, last_used) VALUES
    ('1', 'USER_ABCDEFGH', '\x00ff10', 'premium', 10, ARRAY['192.0.2.0/24'],
     '2026-10-25 01:00:00', 'ACTIVE', '2026-03-29 01:00:00', '2026-03-29 01:00:00', NULL),
    ('abc', 'USER_ZZZZZZZZ', '\x', 'basic', NULL, NULL, NULL, NULL, '2026-01-01 00:00:00',
     '2026-01-01 00:00:00', NULL);
INSERT INTO fix_sessions (session_id, user_id, sender_comp_id, ip_address, connected_at,
    last_activity, message_count, order_count, status) VALUES
    ('sess-1', '1', 'USER_ABCDEFGH', '192.0.2.10', '2026-03-29 00:59:00', '2026-03-29 01:01:00',
     9223372036854775807, 0, 'ACTIVE'),
    ('sess-2', 'abc', 'USER_ZZZZZZZZ', NULL, '2026-10-25 01:00:00', '2026-10-25 01:00:00', NULL,
     NULL, NULL);
INSERT INTO group_symbol_settings (id, group_id, symbol, enabled, markup, commission,
    min_volume, max_volume, step_volume) VALUES
    (1, 1, 'EURUSD', TRUE, 0.5, 1.25, 0.01, 100, 0.01),
    (2, 2, 'XAUUSD', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO symbol_correlations (symbol1, symbol2, correlation, calculated_at) VALUES
    ('EURUSD', 'GBPUSD', 0.8765, '2026-03-29 01:00:00'),
    ('EURUSD', 'USDCHF', -1, '2026-10-25 01:00:00'),
    ('XAUUSD', 'XAGUSD', 1, '2026-10-25 01:00:00');
