CREATE TABLE `search_tenants` (
	`no` integer PRIMARY KEY NOT NULL,
	`tenant` text NOT NULL,
	CONSTRAINT "search_tenants_no" CHECK("search_tenants"."no" BETWEEN 1 AND 8388607)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_tenants_tenant` ON `search_tenants` (`tenant`);--> statement-breakpoint
-- The search index by tenant (hand-written, as 0001): it held every tenant's customers under their pk, so a search
-- walked every tenant's matches and dropped the others afterwards. Its rowid is now `(tenant no << 40) | pk`; FTS5
-- keeps a term's rows in rowid order and seeks to a rowid range, so a search reads its own tenant's rows only.
-- Contentless, with rows deleted by rowid: an external-content index must be keyed by the content's own rowid.
DROP TRIGGER `customers_search_insert`;
--> statement-breakpoint
DROP TRIGGER `customers_search_delete`;
--> statement-breakpoint
DROP TRIGGER `customers_search_update`;
--> statement-breakpoint
DROP TABLE `customers_search`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `customers_search` USING fts5(
	`customer_number`, `first_name`, `last_name`, `company`, `contact_email`,
	content='', contentless_delete=1, tokenize='trigram'
);
--> statement-breakpoint
INSERT INTO `search_tenants`(`tenant`) SELECT DISTINCT `tenant` FROM `customers` ORDER BY `tenant`;
--> statement-breakpoint
INSERT INTO `customers_search`(rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
SELECT (t.`no` << 40) | c.`pk`, c.`customer_number`, c.`first_name`, c.`last_name`, c.`company`, c.`contact_email`
FROM `customers` c JOIN `search_tenants` t ON t.`tenant` = c.`tenant`;
--> statement-breakpoint
-- One segment, as after a bulk load (src/store/seed.ts): every search reads each segment.
INSERT INTO `customers_search`(`customers_search`) VALUES ('optimize');
--> statement-breakpoint
-- A tenant is numbered with its first customer (DO NOTHING on that conflict only: a number out of range aborts).
CREATE TRIGGER `customers_search_insert` AFTER INSERT ON `customers` BEGIN
	INSERT INTO `search_tenants`(`tenant`) VALUES (new.`tenant`) ON CONFLICT (`tenant`) DO NOTHING;
	INSERT INTO `customers_search`(rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
	VALUES (((SELECT `no` FROM `search_tenants` WHERE `tenant` = new.`tenant`) << 40) | new.`pk`,
		new.`customer_number`, new.`first_name`, new.`last_name`, new.`company`, new.`contact_email`);
END;
--> statement-breakpoint
CREATE TRIGGER `customers_search_delete` AFTER DELETE ON `customers` BEGIN
	DELETE FROM `customers_search`
	WHERE rowid = ((SELECT `no` FROM `search_tenants` WHERE `tenant` = old.`tenant`) << 40) | old.`pk`;
END;
--> statement-breakpoint
CREATE TRIGGER `customers_search_update` AFTER UPDATE OF `tenant`, `customer_number`, `first_name`, `last_name`, `company`, `contact_email` ON `customers` BEGIN
	DELETE FROM `customers_search`
	WHERE rowid = ((SELECT `no` FROM `search_tenants` WHERE `tenant` = old.`tenant`) << 40) | old.`pk`;
	INSERT INTO `search_tenants`(`tenant`) VALUES (new.`tenant`) ON CONFLICT (`tenant`) DO NOTHING;
	INSERT INTO `customers_search`(rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
	VALUES (((SELECT `no` FROM `search_tenants` WHERE `tenant` = new.`tenant`) << 40) | new.`pk`,
		new.`customer_number`, new.`first_name`, new.`last_name`, new.`company`, new.`contact_email`);
END;
