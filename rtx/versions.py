"""The version registry: which Django migrations make up each schema version.

Version numbers are the seed's sequential integers and what ``schema_migrations``
records. Number 7 is reserved (the Go tool's ``analytics_dashboard_schema``).
To add a version, see "Creating New Migrations" in docs/migrations.md.
"""

from rtx.migrator.registry import Version, continuous_aggregate, extension, function, trigger

VERSIONS = (
    Version(
        1,
        "initial_schema",
        (
            "contenttypes.0001_initial",
            "contenttypes.0002_remove_content_type_name",
            "auth.0001_initial",
            "auth.0002_alter_permission_name_max_length",
            "auth.0003_alter_user_email_max_length",
            "auth.0004_alter_user_username_opts",
            "auth.0005_alter_user_last_login_null",
            "auth.0006_require_contenttypes_0002",
            "auth.0007_alter_validators_add_error_messages",
            "auth.0008_alter_user_username_max_length",
            "auth.0009_alter_user_last_name_max_length",
            "auth.0010_alter_group_name_max_length",
            "auth.0011_update_proxy_permissions",
            "auth.0012_alter_user_first_name_max_length",
            "accounts.0001_initial",
            "trading.0001_initial",
            "risk.0001_initial",
            "adminpanel.0001_initial",
            "fixapi.0001_initial",
            "admin.0001_initial",
            "admin.0002_logentry_remove_auto_add",
            "admin.0003_logentry_add_action_flag_choices",
            "sessions.0001_initial",
        ),
    ),
    Version(
        2,
        "audit_log_append_only",
        ("adminpanel.0002_audit_log_append_only", "adminpanel.0003_pg_trgm_extension"),
        raw_objects=(
            function("admin_audit_log_append_only()"),
            trigger("admin_audit_log", "admin_audit_log_append_only"),
            trigger("admin_audit_log", "admin_audit_log_no_truncate"),
            extension("pg_trgm"),
        ),
    ),
    Version(3, "audit_log_details_search", ("adminpanel.0004_audit_log_details_search_index",)),
    Version(4, "timescale_hypertables", ("trading.0002_trades_order_history_hypertables",)),
    # Indexes built CONCURRENTLY: each non-atomic migration is alone in its version.
    Version(5, "trading_query_indexes", ("trading.0003_service_query_indexes",)),
    Version(6, "risk_query_indexes", ("risk.0002_service_query_indexes",)),
    # 7 is the Go tool's analytics_dashboard_schema.
    Version(8, "audit_query_indexes", ("adminpanel.0005_audit_query_indexes",)),
    Version(9, "order_history_day_counts_index", ("trading.0004_order_history_day_counts_index",)),
    Version(
        10,
        "status_choices",
        (
            "trading.0005_status_and_trade_type_choices",
            "adminpanel.0006_audit_status_choices",
            "fixapi.0002_session_status_choices",
        ),
    ),
    Version(
        11, "audit_log_details_containment_index", ("adminpanel.0007_audit_log_details_path_index",)
    ),
    Version(
        12,
        "time_aggregates",
        ("trading.0006_time_aggregates",),
        # Made only where TimescaleDB (Community edition) keeps continuous aggregates.
        raw_objects=(
            continuous_aggregate("trade_minutes"),
            continuous_aggregate("order_history_days"),
        ),
    ),
    Version(13, "back_office_indexes", ("accounts.0002_back_office_indexes",)),
    Version(
        14, "order_history_day_account_index", ("trading.0007_order_history_day_account_index",)
    ),
    Version(15, "trade_chunks_of_a_week", ("trading.0008_trade_chunks_of_a_week",)),
)
