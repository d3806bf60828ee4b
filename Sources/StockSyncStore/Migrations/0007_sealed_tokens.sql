-- Access tokens are kept sealed (AES-256-GCM under STOCKSYNC_TOKEN_KEY, bound to the shop:
-- AccessTokenCipher); only a shop with a sealed token is connected. Tokens kept in clear
-- before this stay in access_token until `stocksync migrate` (or `stocksync shop reseal`),
-- given the key, seals them and clears the column.
ALTER TABLE shops ADD COLUMN sealed_access_token text;
