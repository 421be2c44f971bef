DROP TABLE supply_links;
DROP TABLE enterprise_nodes;
DROP TABLE chain_nodes;
DROP TABLE contacts;
DROP TABLE records;
