PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_addresses` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text NOT NULL,
	`id` text NOT NULL,
	`customer_pk` integer NOT NULL,
	`contact_name` text NOT NULL,
	`company_name` text,
	`street` text,
	`street_number` text,
	`street_appendix` text,
	`extra_line1` text,
	`extra_line2` text,
	`extra_line3` text,
	`extra_line4` text,
	`zip_code` text,
	`city` text,
	`country` text,
	`state` text,
	`contact_phone` text,
	`tags` text NOT NULL,
	`is_default` integer NOT NULL,
	`mixins` text,
	`created_at` integer NOT NULL,
	`modified_at` integer NOT NULL,
	FOREIGN KEY (`customer_pk`) REFERENCES `customers`(`pk`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_addresses`("pk", "tenant", "id", "customer_pk", "contact_name", "company_name", "street", "street_number", "street_appendix", "extra_line1", "extra_line2", "extra_line3", "extra_line4", "zip_code", "city", "country", "state", "contact_phone", "tags", "is_default", "created_at", "modified_at") SELECT "pk", "tenant", "id", "customer_pk", "contact_name", "company_name", "street", "street_number", "street_appendix", "extra_line1", "extra_line2", "extra_line3", "extra_line4", "zip_code", "city", "country", "state", "contact_phone", "tags", "is_default", "created_at", "modified_at" FROM `addresses`;--> statement-breakpoint
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'addresses'), 0)) WHERE name = '__new_addresses';--> statement-breakpoint
INSERT INTO sqlite_sequence (name, seq) SELECT '__new_addresses', seq FROM sqlite_sequence WHERE name = 'addresses' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = '__new_addresses');--> statement-breakpoint
DROP TABLE `addresses`;--> statement-breakpoint
ALTER TABLE `__new_addresses` RENAME TO `addresses`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `addresses_tenant_id` ON `addresses` (`tenant`,`id`);--> statement-breakpoint
CREATE INDEX `addresses_customer` ON `addresses` (`customer_pk`,`created_at`,`pk`);