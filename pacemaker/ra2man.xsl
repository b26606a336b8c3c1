<?xml version="1.0" encoding="UTF-8"?>
<!-- A resource agent's OCF meta-data as a section 7 man page, so the page
     says what the agent itself says (parameters, defaults, actions). The
     agent's exit codes and an example are appended (AGENT.7.tail).
     xsltproc -stringparam provider cpucompat -stringparam date YYYY-MM-DD -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:param name="provider"/>
  <xsl:param name="date"/>

  <!-- troff: a leading dot or quote would be a request; backslashes escape. -->
  <xsl:template name="text">
    <xsl:param name="s"/>
    <xsl:variable name="t" select="normalize-space($s)"/>
    <xsl:call-template name="escape">
      <xsl:with-param name="s" select="$t"/>
    </xsl:call-template>
  </xsl:template>
  <xsl:template name="escape">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="contains($s, '\')">
        <xsl:value-of select="substring-before($s, '\')"/>
        <xsl:text>\e</xsl:text>
        <xsl:call-template name="escape">
          <xsl:with-param name="s" select="substring-after($s, '\')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="contains($s, '-')">
        <xsl:value-of select="substring-before($s, '-')"/>
        <xsl:text>\-</xsl:text>
        <xsl:call-template name="escape">
          <xsl:with-param name="s" select="substring-after($s, '-')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$s"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/resource-agent">
    <xsl:text>.TH OCF_</xsl:text>
    <xsl:value-of select="translate($provider, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
    <xsl:text>_</xsl:text>
    <xsl:value-of select="translate(@name, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
    <xsl:text> 7 "</xsl:text><xsl:value-of select="$date"/><xsl:text>" "xen-cpucompat </xsl:text>
    <xsl:value-of select="@version"/>
    <xsl:text>" "OCF resource agents"&#10;.SH NAME&#10;ocf_</xsl:text>
    <xsl:value-of select="$provider"/><xsl:text>_</xsl:text><xsl:value-of select="@name"/>
    <xsl:text> \- </xsl:text>
    <xsl:call-template name="text"><xsl:with-param name="s" select="shortdesc"/></xsl:call-template>
    <xsl:text>&#10;.SH SYNOPSIS&#10;.B ocf:</xsl:text>
    <xsl:value-of select="$provider"/><xsl:text>:</xsl:text><xsl:value-of select="@name"/>
    <xsl:for-each select="parameters/parameter">
      <xsl:text>&#10;.RB </xsl:text>
      <xsl:if test="not(@required = '1')"><xsl:text>[ </xsl:text></xsl:if>
      <xsl:value-of select="@name"/>
      <xsl:text>=</xsl:text>
      <xsl:text>\fI</xsl:text><xsl:value-of select="content/@type"/><xsl:text>\fR</xsl:text>
      <xsl:if test="not(@required = '1')"><xsl:text> ]</xsl:text></xsl:if>
    </xsl:for-each>
    <xsl:text>&#10;.SH DESCRIPTION&#10;</xsl:text>
    <xsl:call-template name="text"><xsl:with-param name="s" select="longdesc"/></xsl:call-template>
    <xsl:text>&#10;.SH PARAMETERS&#10;</xsl:text>
    <xsl:if test="not(parameters/parameter)"><xsl:text>None.&#10;</xsl:text></xsl:if>
    <xsl:for-each select="parameters/parameter">
      <xsl:text>.TP&#10;.BR </xsl:text><xsl:value-of select="@name"/>
      <xsl:text> " (</xsl:text><xsl:value-of select="content/@type"/>
      <xsl:choose>
        <xsl:when test="@required = '1'"><xsl:text>, required</xsl:text></xsl:when>
        <xsl:when test="string(content/@default) != ''">
          <xsl:text>, default </xsl:text>
          <xsl:call-template name="escape"><xsl:with-param name="s" select="content/@default"/></xsl:call-template>
        </xsl:when>
      </xsl:choose>
      <xsl:if test="@unique = '1'"><xsl:text>, unique</xsl:text></xsl:if>
      <xsl:text>)"&#10;</xsl:text>
      <xsl:call-template name="text"><xsl:with-param name="s" select="longdesc"/></xsl:call-template>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>.SH ACTIONS&#10;</xsl:text>
    <xsl:for-each select="actions/action">
      <xsl:text>.TP&#10;.B </xsl:text>
      <xsl:call-template name="escape"><xsl:with-param name="s" select="@name"/></xsl:call-template>
      <xsl:text>&#10;timeout </xsl:text><xsl:value-of select="@timeout"/>
      <xsl:if test="@interval"><xsl:text>, interval </xsl:text><xsl:value-of select="@interval"/></xsl:if>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
