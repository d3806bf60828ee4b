-- An expiring offline access token (a shop installed through OAuth): when it expires, the
-- refresh token that replaces it (sealed like the access token), when that one expires, and
-- the scopes the merchant granted. A token connected by hand (a custom app) has none of them.
ALTER TABLE shops ADD COLUMN sealed_refresh_token text,
    ADD COLUMN access_token_issued_at timestamptz,
    ADD COLUMN access_token_expires_at timestamptz,
    ADD COLUMN refresh_token_expires_at timestamptz,
    ADD COLUMN granted_scopes text,
    -- How many times the token was refreshed: one refresh per expiry.
    ADD COLUMN token_refreshes bigint NOT NULL DEFAULT 0;

-- The `state` nonce of each OAuth install begun, until its callback comes back with it
-- (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant).
-- A nonce is used once; ones never used are deleted once stale.
CREATE TABLE app_install_states (
    state text PRIMARY KEY,
    shop text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
