-- Substring search over a customer's names, email and number: an FTS5 index with the trigram tokenizer, so that
-- `search` keeps its "match anywhere, any case" meaning while the index, not a table scan, answers it.
CREATE VIRTUAL TABLE `customers_search` USING fts5(
	`customer_number`, `first_name`, `last_name`, `company`, `contact_email`,
	content='customers', content_rowid='pk', tokenize='trigram'
);
--> statement-breakpoint
INSERT INTO `customers_search`(`customers_search`) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `customers_search_insert` AFTER INSERT ON `customers` BEGIN
	INSERT INTO `customers_search`(rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
	VALUES (new.`pk`, new.`customer_number`, new.`first_name`, new.`last_name`, new.`company`, new.`contact_email`);
END;
--> statement-breakpoint
CREATE TRIGGER `customers_search_delete` AFTER DELETE ON `customers` BEGIN
	INSERT INTO `customers_search`(`customers_search`, rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
	VALUES ('delete', old.`pk`, old.`customer_number`, old.`first_name`, old.`last_name`, old.`company`, old.`contact_email`);
END;
--> statement-breakpoint
CREATE TRIGGER `customers_search_update` AFTER UPDATE OF `customer_number`, `first_name`, `last_name`, `company`, `contact_email` ON `customers` BEGIN
	INSERT INTO `customers_search`(`customers_search`, rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
	VALUES ('delete', old.`pk`, old.`customer_number`, old.`first_name`, old.`last_name`, old.`company`, old.`contact_email`);
	INSERT INTO `customers_search`(rowid, `customer_number`, `first_name`, `last_name`, `company`, `contact_email`)
	VALUES (new.`pk`, new.`customer_number`, new.`first_name`, new.`last_name`, new.`company`, new.`contact_email`);
END;
