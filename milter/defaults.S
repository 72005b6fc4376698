/* defaults - data files compiled into the binary as built-in defaults. */
	.section .rodata
	.global cm_default_scores
	.type cm_default_scores, @object
cm_default_scores:
	.incbin "etc/scores.conf"
	.byte 0
	.size cm_default_scores, . - cm_default_scores
	.global cm_default_rules
	.type cm_default_rules, @object
cm_default_rules:
	.incbin "etc/spam.rules"
	.byte 0
	.size cm_default_rules, . - cm_default_rules
	.section .note.GNU-stack,"",@progbits
