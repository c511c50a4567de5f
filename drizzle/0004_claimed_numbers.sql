CREATE TABLE `customer_numbers` (
	`tenant` text NOT NULL,
	`customer_number` text NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`tenant`, `customer_number`)
);
--> statement-breakpoint
-- Hand-written: every number in use, and those of deleted customers with their time, become claims (as on
-- PostgreSQL), so that both stores claim a number the same way.
INSERT INTO `customer_numbers` (`tenant`, `customer_number`) SELECT `tenant`, `customer_number` FROM `customers`;
--> statement-breakpoint
INSERT INTO `customer_numbers` (`tenant`, `customer_number`, `deleted_at`)
SELECT `tenant`, `customer_number`, `deleted_at` FROM `deleted_customers`;
--> statement-breakpoint
DROP TABLE `deleted_customers`;
